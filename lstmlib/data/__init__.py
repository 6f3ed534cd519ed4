"""Task generators the chapters train on. Import the submodule you need, e.g.
``from lstmlib.data.adding import make_adding``. Nothing here downloads anything."""
