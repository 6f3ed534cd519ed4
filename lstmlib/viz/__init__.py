"""Figures, coloured text, widgets and their static counterparts. Import the submodule you need."""
