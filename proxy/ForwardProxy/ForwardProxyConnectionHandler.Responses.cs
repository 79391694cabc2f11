using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;

namespace ModelGateway.ForwardProxy;

internal sealed partial class ForwardProxyConnectionHandler
{
    private static async Task RefuseUnauthenticatedAsync(ConnectionContext connection, ProxyCaller caller)
    {
        if (caller.RetryAfter is { } retryAfter)
        {
            var seconds = RateLimitHeaders.RetryAfterSeconds(retryAfter);
            await RespondAsync(connection, StatusCodes.Status429TooManyRequests, "Too Many Requests", ErrorCodes.RateLimited,
                string.Create(CultureInfo.InvariantCulture, $"Too many failed API key attempts from this address: wrong keys are refused for {seconds} seconds (valid keys are served). Retry after {seconds} seconds."),
                ("Retry-After", seconds.ToString(CultureInfo.InvariantCulture)));
            return;
        }
        await RespondAsync(connection, StatusCodes.Status407ProxyAuthenticationRequired, "Proxy Authentication Required", ErrorCodes.Unauthorized,
            "A valid API key is required in Proxy-Authorization: Basic with the key as the password (http://user:<key>@proxy:port), or Bearer <key>.",
            ("Proxy-Authenticate", ProxyCredentials.Challenge));
    }

    private async Task RefuseAsync(ConnectionContext connection, string keyName, ConnectRequest connect, int status, string code, string message,
        params (string Name, string Value)[] headers)
    {
        audit.Refused(keyName, connect.Host, connect.Port, status, code, (connection.RemoteEndPoint as IPEndPoint)?.Address);
        await RespondAsync(connection, status, ReasonPhrase(status), code, message, headers);
    }

    /// <summary>An answer to a CONNECT that is not 200: the gateway's error body, and the connection closed.</summary>
    internal static async Task RespondAsync(ConnectionContext connection, int status, string reason, string code, string message,
        params (string Name, string Value)[] headers)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorResponse(code, message), GatewayJson.Options);
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {reason}\r\n")
            .Append("Content-Type: application/json; charset=utf-8\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
            .Append("Connection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
        head.Append("\r\n");
        try
        {
            var output = connection.Transport.Output;
            output.Write(Encoding.ASCII.GetBytes(head.ToString()));
            output.Write(body);
            await output.FlushAsync(connection.ConnectionClosed);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // the client left
        }
    }

    private static async Task WriteHeadAsync(PipeWriter output, string head)
    {
        output.Write(Encoding.ASCII.GetBytes(head));
        await output.FlushAsync();
    }

    private static string ReasonPhrase(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Bad Request",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status429TooManyRequests => "Too Many Requests",
        StatusCodes.Status502BadGateway => "Bad Gateway",
        StatusCodes.Status504GatewayTimeout => "Gateway Timeout",
        _ => "Error",
    };
}
