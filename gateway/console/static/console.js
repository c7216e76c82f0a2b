// edigw ops console: a little plain JavaScript (no framework, no build).
// Scroll a linked segment into view and flash it; "show only faulty segments" toggle.
(function () {
  function flash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) return;
    el.scrollIntoView({ block: "center" });
    el.classList.add("flash");
    setTimeout(function () { el.classList.remove("flash"); }, 1500);
  }
  window.addEventListener("hashchange", flash);
  document.addEventListener("DOMContentLoaded", function () {
    flash();
    var raw = document.querySelector("ol.raw");
    if (!raw || !raw.querySelector("li.faulty")) return;
    var label = document.createElement("label");
    label.className = "hint";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.addEventListener("change", function () {
      raw.querySelectorAll("li:not(.faulty)").forEach(function (li) {
        li.style.display = box.checked ? "none" : "";
      });
    });
    label.appendChild(box);
    label.appendChild(document.createTextNode(" show only faulty segments"));
    raw.parentNode.insertBefore(label, raw);
  });
})();
