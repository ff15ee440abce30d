// The access catalog's only script: the search field of the index page.
// It filters the index loaded by search-index.js (a <script src>, so it
// works from file://) as one types, and keeps the query in ?q=.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input) {
    return;
  }
  var list = document.getElementById("results");
  var status = document.getElementById("results-status");
  var kinds = { group: "group", role: "role", app: "app", person: "person" };
  var limit = 200;
  var index = (window.ACCESS_INDEX || []).map(function (e) {
    return { e: e, hay: (e.n + " " + (e.d || "")).toLowerCase() };
  });

  function keepInURL(q) {
    var url = location.pathname + (q ? "?q=" + encodeURIComponent(q) : "") + location.hash;
    try {
      history.replaceState(null, "", url);
    } catch (err) {
      // Some hosts and file:// pages refuse; the search still works.
    }
  }

  function show() {
    var q = input.value.trim();
    keepInURL(q);
    list.textContent = "";
    if (!q) {
      status.textContent = "";
      list.hidden = true;
      return;
    }
    var words = q.toLowerCase().split(/\s+/);
    var found = 0;
    var frag = document.createDocumentFragment();
    for (var i = 0; i < index.length; i++) {
      var it = index[i];
      var ok = true;
      for (var w = 0; w < words.length && ok; w++) {
        ok = it.hay.indexOf(words[w]) !== -1;
      }
      if (!ok) {
        continue;
      }
      found++;
      if (found > limit) {
        continue;
      }
      var li = document.createElement("li");
      var t = document.createElement("span");
      t.className = "t";
      t.textContent = kinds[it.e.t] || it.e.t;
      var a = document.createElement("a");
      a.href = it.e.u;
      a.textContent = it.e.n;
      li.appendChild(t);
      li.appendChild(a);
      if (it.e.d) {
        var d = document.createElement("span");
        d.className = "d";
        d.textContent = it.e.d;
        li.appendChild(d);
      }
      frag.appendChild(li);
    }
    list.appendChild(frag);
    list.hidden = found === 0;
    status.textContent = found === 0 ? "No matches." :
      found + (found === 1 ? " match" : " matches") + (found > limit ? ", showing the first " + limit : "") + ".";
  }

  input.form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    show();
  });
  input.addEventListener("input", show);
  var q = new URLSearchParams(location.search).get("q");
  if (q) {
    input.value = q;
    show();
  }
})();
