/* The HTML status page: health, figures, route table, colo distribution
 * and inline SVG charts of latency and success over the probe history. It
 * reads the registry through the public JSON exports only. */
#include "status.h"

#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "text.h"

#define CHART_W      720
#define CHART_H      160
#define SUCCESS_BARS 60

static const char *style =
    "body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:1.6em}"
    "table{border-collapse:collapse}td,th{padding:3px 10px;"
    "border-bottom:1px solid #ddd;text-align:left}"
    ".healthy{background:#2e7d32}.degraded{background:#f9a825}"
    ".unhealthy{background:#c62828}.badge{color:#fff;padding:2px 8px;"
    "border-radius:4px}.num{text-align:right}svg{background:#fafafa;"
    "border:1px solid #ddd}";

static const char *str_at(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static double num_at(json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

static void figures(struct bgd_text *t, json_t *m)
{
    json_t *health = json_object_get(m, "health");
    json_t *lat = json_object_get(m, "latency_ms");
    json_t *err = json_object_get(m, "last_error");

    bgd_text_printf(t, "<table id=\"figures\">");
    bgd_text_printf(t,
                    "<tr><th>success rate (window)</th><td>%.1f %%</td>"
                    "</tr>",
                    100.0 * num_at(health, "success_rate"));
    bgd_text_printf(t, "<tr><th>consecutive failures</th><td>%.0f</td></tr>",
                    num_at(health, "consecutive_failures"));
    bgd_text_printf(t,
                    "<tr><th>latency p50 / p99</th><td>%.1f / %.1f ms"
                    "</td></tr>",
                    num_at(lat, "p50"), num_at(lat, "p99"));
    bgd_text_printf(t, "<tr><th>requests (lifetime)</th><td>%.0f</td></tr>",
                    num_at(m, "total_requests"));
    bgd_text_printf(t, "<tr><th>last success</th><td>");
    bgd_text_html(t, str_at(m, "last_success"));
    bgd_text_printf(t, "</td></tr><tr><th>last failure</th><td>");
    bgd_text_html(t, str_at(m, "last_failure"));
    bgd_text_printf(t, "</td></tr>");
    if (json_is_object(err)) {
        bgd_text_printf(t, "<tr><th>last error</th><td>");
        bgd_text_html(t, str_at(err, "route"));
        bgd_text_printf(t, " ");
        bgd_text_html(t, str_at(err, "code"));
        bgd_text_printf(t, " ");
        bgd_text_html(t, str_at(err, "message"));
        bgd_text_printf(t, "</td></tr>");
    }
    bgd_text_printf(t, "</table>");
}

static void route_table(struct bgd_text *t, json_t *routes)
{
    size_t i;
    json_t *r;

    bgd_text_printf(t, "<h2>Routes</h2><table id=\"route-table\"><tr>"
                       "<th>route</th><th>rank</th><th>state</th>"
                       "<th>consecutive failures</th><th>successes</th>"
                       "<th>failures</th></tr>");
    json_array_foreach(routes, i, r)
    {
        bgd_text_printf(t, "<tr class=\"route\"><td>");
        bgd_text_html(t, str_at(r, "name"));
        bgd_text_printf(t,
                        "</td><td class=\"num\">%.0f</td><td>%s</td>"
                        "<td class=\"num\">%.0f</td><td class=\"num\">%.0f"
                        "</td><td class=\"num\">%.0f</td></tr>",
                        num_at(r, "rank"),
                        json_is_true(json_object_get(r, "ejected"))
                            ? "ejected"
                            : "admitted",
                        num_at(r, "consecutive_failures"),
                        num_at(r, "successes"), num_at(r, "failures"));
    }
    bgd_text_printf(t, "</table>");
}

static void colo_table(struct bgd_text *t, json_t *colos)
{
    const char *name;
    json_t *v;
    double total = 0;

    json_object_foreach(colos, name, v) total += json_number_value(v);
    bgd_text_printf(t, "<h2>Edges (colo)</h2><table id=\"colo-table\">"
                       "<tr><th>colo</th><th>attempts</th><th>share</th></tr>");
    json_object_foreach(colos, name, v)
    {
        double share = total > 0 ? json_number_value(v) / total : 0;

        bgd_text_printf(t, "<tr><td>");
        bgd_text_html(t, name);
        bgd_text_printf(t,
                        "</td><td class=\"num\">%.0f</td><td>"
                        "<svg width=\"120\" height=\"10\"><rect width=\"%.0f\""
                        " height=\"10\" fill=\"#1565c0\"/></svg> %.0f %%"
                        "</td></tr>",
                        json_number_value(v), 120 * share, 100 * share);
    }
    bgd_text_printf(t, "</table>");
}

static void latency_chart(struct bgd_text *t, const struct bgd_sample *s,
                          size_t n)
{
    double max = 1, span;
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i].ms > max)
            max = s[i].ms;
    span = n > 1 ? (double)(s[n - 1].time_us - s[0].time_us) : 1;
    if (span <= 0)
        span = 1;

    bgd_text_printf(t,
                    "<h2>Latency</h2><svg id=\"latency-chart\" "
                    "width=\"%d\" height=\"%d\" role=\"img\"><title>probe "
                    "latency, max %.1f ms</title><polyline fill=\"none\" "
                    "stroke=\"#1565c0\" stroke-width=\"1.5\" points=\"",
                    CHART_W, CHART_H, max);
    for (i = 0; i < n; i++) {
        double x = (double)(s[i].time_us - s[0].time_us) / span;
        double y = s[i].ms / max;

        bgd_text_printf(t, "%.1f,%.1f ", 4 + x * (CHART_W - 8),
                        CHART_H - 4 - y * (CHART_H - 8));
    }
    bgd_text_printf(t, "\"/><text x=\"6\" y=\"14\">%.1f ms</text></svg>", max);
}

static void success_chart(struct bgd_text *t, const struct bgd_sample *s,
                          size_t n)
{
    unsigned ok[SUCCESS_BARS] = {0}, all[SUCCESS_BARS] = {0};
    double span, w = (double)CHART_W / SUCCESS_BARS;
    size_t i;

    span = n > 1 ? (double)(s[n - 1].time_us - s[0].time_us) : 1;
    if (span <= 0)
        span = 1;
    for (i = 0; i < n; i++) {
        size_t b = (size_t)((double)(s[i].time_us - s[0].time_us) / span *
                            (SUCCESS_BARS - 1));
        all[b]++;
        ok[b] += s[i].ok != 0;
    }

    bgd_text_printf(t,
                    "<h2>Success</h2><svg id=\"success-chart\" "
                    "width=\"%d\" height=\"%d\" role=\"img\"><title>probe "
                    "success over time</title>",
                    CHART_W, CHART_H);
    for (i = 0; i < SUCCESS_BARS; i++) {
        double h;

        if (all[i] == 0)
            continue;
        h = (double)ok[i] / all[i] * (CHART_H - 8);
        bgd_text_printf(t,
                        "<rect class=\"bar\" x=\"%.1f\" y=\"4\" "
                        "width=\"%.1f\" height=\"%.1f\" fill=\"#c62828\"/>"
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"#2e7d32\"/>",
                        i * w, w - 1, (double)(CHART_H - 8), i * w,
                        CHART_H - 4 - h, w - 1, h);
    }
    bgd_text_printf(t, "</svg>");
}

char *bgd_status_page(bg_client *c, struct bgd_history *h)
{
    struct bgd_text t = {0};
    struct bgd_sample *s = NULL;
    char *mjson = NULL, *rjson = NULL;
    json_t *m = NULL, *routes = NULL;
    const char *status;
    size_t n;

    if (bg_metrics_json(c, &mjson) == BG_OK)
        m = json_loads(mjson, 0, NULL);
    if (bg_routes_json(c, &rjson) == BG_OK)
        routes = json_loads(rjson, 0, NULL);
    status = bg_health_name(bg_health_now(c, NULL, NULL));
    n = bgd_history_copy(h, &s);

    bgd_text_printf(&t,
                    "<!DOCTYPE html><html lang=\"en\"><head><meta "
                    "charset=\"utf-8\"><meta http-equiv=\"refresh\" "
                    "content=\"30\"><title>bucketguard status</title>"
                    "<style>%s</style></head><body>",
                    style);
    bgd_text_printf(&t,
                    "<h1>bucketguard <span id=\"health-status\" "
                    "class=\"badge %s\">%s</span></h1>",
                    status, status);
    figures(&t, m);
    latency_chart(&t, s, n);
    success_chart(&t, s, n);
    route_table(&t, routes);
    colo_table(&t, json_object_get(m, "colos"));
    bgd_text_printf(&t, "<p>%zu probes in the charts.</p></body></html>\n", n);

    free(s);
    json_decref(m);
    json_decref(routes);
    bg_free(mjson);
    bg_free(rjson);
    return bgd_text_take(&t);
}
