using System.Globalization;
using System.Text;

namespace KubeLab.Realize.Workloads;

/// <summary>
/// The answers of the echo servers tutorials use, as their Go programs give them through net/http: response headers
/// sorted by name (Go's Header.Write), Content-Type sniffed as text/plain, a Date.
/// </summary>
public static class EchoResponders
{
    /// <summary>hashicorp/http-echo's version headers (version/version.go of its current image).</summary>
    public const string HttpEchoName = "http-echo";
    public const string HttpEchoVersion = "1.0.0";

    /// <summary>
    /// hashicorp/http-echo (main.go, handlers.go): every path answers the text and a newline with -status-code, and
    /// X-App-Name/X-App-Version; /health answers {"status":"ok"}.
    /// </summary>
    public static HttpResponder HttpEcho(string text, int statusCode, Func<DateTimeOffset> clock)
    {
        var page = Encoding.UTF8.GetBytes(text + "\n");
        var health = Encoding.UTF8.GetBytes("{\"status\":\"ok\"}\n");
        return request =>
        {
            var isHealth = Path(request.Target) == "/health";
            var body = isHealth ? health : page;
            var status = isHealth ? 200 : statusCode;
            return new HttpReply(StatusLine(status),
            [
                new("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)),
                new("Content-Type", "text/plain; charset=utf-8"),
                new("Date", GoDate(clock())),
                new("X-App-Name", HttpEchoName),
                new("X-App-Version", HttpEchoVersion),
            ], body);
        };
    }

    /// <summary>
    /// Go's http.NotFound (net/http Error): 404 with "404 page not found" and a newline, text/plain; charset=utf-8 and
    /// X-Content-Type-Options: nosniff — what Traefik answers on an entrypoint with no matching router.
    /// </summary>
    public static HttpResponder GoNotFound(Func<DateTimeOffset> clock)
    {
        var body = Encoding.UTF8.GetBytes("404 page not found\n");
        return _ => new HttpReply(StatusLine(404),
        [
            new("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)),
            new("Content-Type", "text/plain; charset=utf-8"),
            new("Date", GoDate(clock())),
            new("X-Content-Type-Options", "nosniff"),
        ], body);
    }

    /// <summary>
    /// traefik/whoami's "/" (app.go whoamiHandler): Name (with -name), Hostname, one "IP:" line per address of the pod's
    /// interfaces in interface order, RemoteAddr, then the request as Go's Request.Write prints it. /health answers 200
    /// with no body; /bench answers "1".
    /// </summary>
    public static HttpResponder Whoami(string hostname, string name, IReadOnlyList<string> addresses, Func<DateTimeOffset> clock)
    {
        return request =>
        {
            var path = Path(request.Target);
            if (path == "/health")
            {
                return new HttpReply("200 OK", [new("Content-Length", "0"), new("Date", GoDate(clock()))], []);
            }

            var text = new StringBuilder();
            if (path == "/bench")
            {
                text.Append('1');
            }
            else
            {
                if (name.Length > 0)
                {
                    text.Append(CultureInfo.InvariantCulture, $"Name: {name}\n");
                }

                text.Append(CultureInfo.InvariantCulture, $"Hostname: {hostname}\n");
                foreach (var address in addresses)
                {
                    text.Append(CultureInfo.InvariantCulture, $"IP: {address}\n");
                }

                text.Append(CultureInfo.InvariantCulture, $"RemoteAddr: {request.Remote}\n");
                text.Append(GoRequestWrite(request));
            }

            var body = Encoding.Latin1.GetBytes(text.ToString());
            return new HttpReply("200 OK",
            [
                new("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)),
                new("Content-Type", path == "/bench" ? "text/plain" : "text/plain; charset=utf-8"),
                new("Date", GoDate(clock())),
            ], body);
        };
    }

    /// <summary>
    /// Go's (*http.Request).Write for a request a server received: "METHOD URI HTTP/1.1", Host, User-Agent (Go's default
    /// when the client sent none), Content-Length when there is a body, the other headers sorted by canonical name, a blank
    /// line, the body.
    /// </summary>
    internal static string GoRequestWrite(HttpRequestHead request)
    {
        string? Header(string name) => request.Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{request.Method} {request.Target} HTTP/1.1\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Host: {Header("Host") ?? ""}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"User-Agent: {Header("User-Agent") ?? "Go-http-client/1.1"}\r\n");
        if (request.Body.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"Content-Length: {request.Body.Length}\r\n");
        }

        string[] excluded = ["Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer"];
        foreach (var group in request.Headers.Select(h => (Name: CanonicalHeaderKey(h.Key), h.Value))
                     .Where(h => !excluded.Contains(h.Name, StringComparer.Ordinal))
                     .GroupBy(h => h.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var (headerName, value) in group)
            {
                text.Append(CultureInfo.InvariantCulture, $"{headerName}: {value}\r\n");
            }
        }

        text.Append("\r\n");
        text.Append(Encoding.Latin1.GetString(request.Body));
        return text.ToString();
    }

    /// <summary>Go's textproto.CanonicalMIMEHeaderKey: "x-forwarded-for" → "X-Forwarded-For".</summary>
    internal static string CanonicalHeaderKey(string key)
    {
        if (key.Any(c => c is ' ' or '\t' || c > 127))
        {
            return key; // Go leaves keys with invalid characters as they are
        }

        var chars = key.ToCharArray();
        var upper = true;
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = upper ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            upper = chars[i] == '-';
        }

        return new string(chars);
    }

    private static string Path(string target)
    {
        var query = target.IndexOfAny(['?', '#']);
        return query >= 0 ? target[..query] : target;
    }

    /// <summary>Go's http.TimeFormat: "Mon, 02 Jan 2006 15:04:05 GMT".</summary>
    private static string GoDate(DateTimeOffset now) => now.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture);

    private static string StatusLine(int code) => $"{code.ToString(CultureInfo.InvariantCulture)} {ReasonPhrase(code)}";

    /// <summary>Go's http.StatusText for the common codes; an unknown code gets an empty reason, as Go sends it.</summary>
    private static string ReasonPhrase(int code) => code switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "status code " + code.ToString(CultureInfo.InvariantCulture), // Go: "%03d status code %d" when StatusText is empty
    };
}
