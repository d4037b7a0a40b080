/// The live view's page: one self-contained document (styles and script inline, no external
/// fetch but its own summary), so it works offline inside a cluster. It reads `api/summary` next
/// to itself every few seconds and redraws.
enum LivePage {
    static let html = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>genai-collector · live</title>
        <style>
        :root{--bg:#0f1216;--panel:#171b21;--line:#262c35;--text:#e6e9ee;--dim:#8b95a3;--accent:#6cb6ff;--warn:#f0b429;--bad:#ff6b6b;--ok:#5ad18f}
        *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);font:13px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
        header{display:flex;align-items:baseline;gap:16px;padding:14px 20px;border-bottom:1px solid var(--line)}
        header h1{font-size:16px;margin:0;font-weight:600}header .meta{color:var(--dim)}
        main{padding:16px 20px;display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(520px,1fr))}
        .cards{grid-column:1/-1;display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(150px,1fr))}
        .card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
        .card .k{color:var(--dim);font-size:11px;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:22px;font-weight:600;margin-top:2px}
        section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px;overflow:auto}
        section.wide{grid-column:1/-1}h2{font-size:13px;margin:0 0 8px;color:var(--dim);font-weight:600}
        table{width:100%;border-collapse:collapse}th,td{padding:4px 8px;text-align:right;white-space:nowrap;border-bottom:1px solid var(--line)}
        th{color:var(--dim);font-weight:500}th:first-child,td:first-child{text-align:left}td.empty{color:var(--dim);text-align:left}
        .tree{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
        details{border-bottom:1px solid var(--line);padding:4px 0}summary{cursor:pointer}summary .n{font-weight:600}
        .row{display:grid;grid-template-columns:minmax(260px,2fr) 90px minmax(120px,1fr) 70px 90px 80px;gap:8px;padding:1px 0}
        .row span:nth-child(n+2){text-align:right;color:var(--dim)}.t{display:inline-block;min-width:78px;color:var(--accent)}
        .err{color:var(--bad)}.io{color:var(--dim);white-space:pre-wrap;word-break:break-word;margin:0 0 2px 24px;font-size:11px}
        .note{color:var(--dim)}
        </style></head>
        <body><header><h1>genai-collector · live</h1><span class="meta" id="meta">loading…</span></header>
        <main>
        <div class="cards" id="cards"></div>
        <section class="wide"><h2>Models</h2><table id="models"></table></section>
        <section><h2>Agents</h2><table id="agents"></table></section>
        <section><h2>Environments</h2><table id="environments"></table></section>
        <section><h2>Stages</h2><table id="stages"></table></section>
        <section><h2>Drops, pushbacks and send failures</h2><table id="pipeline"></table></section>
        <section><h2>Exporter queues</h2><table id="exporters"></table></section>
        <section class="wide"><h2>Last traces</h2><div class="tree" id="traces"></div></section>
        </main>
        <script>
        const api = location.pathname.replace(/\/+$/, "") + "/api/summary";
        const esc = s => String(s ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"})[c]);
        const usd = x => x == null ? "–" : "$" + (x >= 1 ? x.toFixed(2) : x >= 0.01 ? x.toFixed(4) : x.toPrecision(3));
        const num = x => x == null ? "–" : Number(x).toLocaleString("en-US", {maximumFractionDigits: 2});
        const sec = x => x == null ? "–" : x < 1 ? Math.round(x * 1000) + " ms" : x.toFixed(2) + " s";
        const ms = x => x == null ? "–" : x < 1000 ? Math.round(x) + " ms" : (x / 1000).toFixed(2) + " s";
        function table(id, head, rows, empty) {
          const el = document.getElementById(id);
          el.innerHTML = "<tr>" + head.map(h => "<th>" + esc(h) + "</th>").join("") + "</tr>" +
            (rows.length ? rows.map(r => "<tr>" + r.map(c => "<td>" + c + "</td>").join("") + "</tr>").join("")
                         : '<tr><td class="empty" colspan="' + head.length + '">' + esc(empty || "nothing in the window yet") + "</td></tr>");
        }
        function usageRows(list) { return list.map(u => [esc(u.name), num(u.observations), num(u.tokens), num(u.input_tokens), num(u.output_tokens), usd(u.cost_usd), num(u.errors)]); }
        function tree(t) {
          const kids = {}, ids = new Set(t.observations.map(o => o.id));
          for (const o of t.observations) { const p = ids.has(o.parent) ? o.parent : ""; (kids[p] = kids[p] || []).push(o); }
          let out = "";
          const walk = (p, depth) => { for (const o of kids[p] || []) {
            out += '<div class="row' + (o.error ? ' err' : '') + '"><span>' + "&nbsp;".repeat(depth * 3) + '<span class="t">' + esc(o.type) + "</span> " + esc(o.name) +
              (o.agent ? ' <span class="note">· ' + esc(o.agent) + "</span>" : "") + "</span><span>" + ms(o.duration_ms) + "</span><span>" + esc(o.model || "") +
              "</span><span>" + (o.tokens == null ? "" : num(o.tokens)) + "</span><span>" + (o.cost_usd == null ? "" : usd(o.cost_usd)) + "</span><span>" + (o.error ? "error" : "") + "</span></div>";
            if (o.input != null) out += '<div class="io">in: ' + esc(o.input) + "</div>";
            if (o.output != null) out += '<div class="io">out: ' + esc(o.output) + "</div>";
            walk(o.id, depth + 1); } };
          walk("", 0);
          return out;
        }
        async function refresh() {
          let s;
          try { const r = await fetch(api, {cache: "no-store"}); if (!r.ok) throw new Error(r.status + " " + r.statusText); s = await r.json(); }
          catch (e) { document.getElementById("meta").textContent = "cannot read the summary: " + e.message; return; }
          document.getElementById("meta").textContent = "last " + Math.round(s.covered_seconds) + " s of a " + s.window_seconds + " s window · updated " + new Date().toLocaleTimeString();
          const ttft = s.time_to_first_token || {};
          document.getElementById("cards").innerHTML = [
            ["spans / s", num(s.spans_per_second)], ["traces / s", num(s.traces_per_second)], ["tokens", num(s.tokens)], ["cost", usd(s.cost_usd)],
            ["error rate", (100 * s.error_rate).toFixed(2) + " %"], ["first token p50", sec(ttft.p50)], ["first token p95", sec(ttft.p95)],
          ].map(([k, v]) => '<div class="card"><div class="k">' + k + '</div><div class="v">' + v + "</div></div>").join("");
          table("models", ["model", "calls", "tokens", "input", "output", "cost", "errors", "p50", "p95", "p99", "first token p50"],
            s.models.map(m => usageRows([m])[0].concat([sec(m.p50), sec(m.p95), sec(m.p99), sec((m.time_to_first_token || {}).p50)])));
          table("agents", ["agent", "observations", "tokens", "input", "output", "cost", "errors"], usageRows(s.agents));
          table("environments", ["environment", "observations", "tokens", "input", "output", "cost", "errors"], usageRows(s.environments));
          table("stages", ["stage", "operations", "p50", "p95", "p99"], s.stages.map(x => [esc(x.name), num(x.operations), sec(x.p50), sec(x.p95), sec(x.p99)]));
          const seen = s.pipeline.filter(p => p.total > 0);
          table("pipeline", ["what", "reason", "total", "per second"], seen.map(p => [esc(p.kind + " · " + p.series), esc(p.reason), num(p.total), num(p.per_second)]),
            s.pipeline.length + " series, all at 0: nothing dropped, refused or failed");
          table("exporters", ["exporter", "queue", "capacity", "oldest record", "sent", "send failed"],
            s.exporters.map(e => [esc(e.name), num(e.queue_size), num(e.queue_capacity), e.oldest_age_seconds == null ? "–" : sec(e.oldest_age_seconds), num(e.sent), num(e.send_failed)]));
          const open = new Set([...document.querySelectorAll("#traces details[open]")].map(d => d.dataset.id));
          document.getElementById("traces").innerHTML = s.traces_recent.length ? s.traces_recent.map((t, i) =>
            '<details data-id="' + t.id + '"' + (open.has(t.id) || (open.size === 0 && i === 0) ? " open" : "") + '><summary><span class="n">' + esc(t.name || t.id) + "</span> · " +
            esc(t.environment) + " · " + ms(t.duration_ms) + " · " + num(t.tokens) + " tokens · " + usd(t.cost_usd) + " · " + t.observations.length + " observations" +
            (t.io_shown ? "" : ' <span class="note">(input and output hidden: no redaction ran before the view)</span>') + "</summary>" + tree(t) + "</details>").join("")
            : '<p class="note">no traces yet</p>';
        }
        refresh();
        setInterval(refresh, 3000);
        </script></body></html>
        """#
}
