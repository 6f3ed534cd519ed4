// The Jupyter widgets HTML manager (1.x) typesets widget labels with MathJax 2's
// `MathJax.Hub.Queue`; the book loads MathJax 3, which has no `Hub`. Bridge the one call it makes.
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (mj && !mj.Hub) {
    mj.Hub = {
      Queue: function () {
        for (var k = 0; k < arguments.length; k++) {
          var job = arguments[k];
          if (Array.isArray(job) && job[0] === "Typeset" && job[2] && window.MathJax.typesetPromise) {
            window.MathJax.typesetPromise([job[2]]).catch(function () {});
          }
        }
      }
    };
  }
});
