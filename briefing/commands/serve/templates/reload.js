// Poll /_version; reload (keeping the scroll position) when the number changes.
(function () {
  var seen = {{ version|tojson }}, key = "briefing-scroll:" + location.pathname;
  var y = sessionStorage.getItem(key);
  if (y !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", function () { scrollTo(0, +y); });
  }
  function poll() {
    fetch("/_version", {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (v) {
        if (+v !== seen) {
          sessionStorage.setItem(key, String(scrollY));
          location.reload();
        } else setTimeout(poll, {{ poll_ms }});
      }, function () { setTimeout(poll, {{ 2 * poll_ms }}); });
  }
  setTimeout(poll, {{ poll_ms }});
})();
