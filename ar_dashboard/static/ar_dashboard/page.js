// Behaviour every page shares, attached here because the Content-Security-Policy allows no
// inline script or event handler attribute:
//   <select data-autosubmit>       submits its form on change (the company switcher);
//   <form data-confirm="Question?"> asks before submitting;
//   <button data-print>            prints the page.
(function () {
  document.addEventListener("change", (event) => {
    const field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.requestSubmit();
  });
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
