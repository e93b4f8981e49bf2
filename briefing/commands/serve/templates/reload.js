// Long-poll {{ watch }}: the server answers when the version differs from the one this page
// shows (a PDF page: once its PDF for the new version is made) or after a few seconds with the
// same number. Reload (keeping the scroll position) when it differs.
(function () {
  var seen = {{ version|tojson }}, key = "briefing-scroll:" + location.pathname;
  var y = sessionStorage.getItem(key);
  if (y !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", function () { scrollTo(0, +y); });
  }
  function poll() {
    fetch({{ watch|tojson }}, {cache: "no-store"}).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).then(function (v) {
      if (+v !== seen) {
        sessionStorage.setItem(key, String(scrollY));
        location.reload();
      } else setTimeout(poll, 50);  // (a pause: never a tight loop, whatever the server does)
    }, function () { setTimeout(poll, {{ retry_ms }}); });
  }
  poll();
})();
