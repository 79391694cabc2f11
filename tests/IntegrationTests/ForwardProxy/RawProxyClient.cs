using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>The proxy's answer to a CONNECT as it arrived on the wire.</summary>
public sealed record ConnectAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Code => Body.StartsWith('{') ? JsonDocument.Parse(Body).RootElement.GetProperty("code").GetString() : null;

    public string? Message => Body.StartsWith('{') ? JsonDocument.Parse(Body).RootElement.GetProperty("message").GetString() : null;
}

/// <summary>A TCP client speaking CONNECT by hand, to see the proxy's exact answers (statuses, headers, bodies, closes).</summary>
public sealed class RawProxyClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();

    private RawProxyClient()
    {
    }

    public NetworkStream Stream => _tcp.GetStream();

    /// <summary>A connection to the proxy on loopback, from <paramref name="from"/> (another loopback address: another peer) when given.</summary>
    public static async Task<RawProxyClient> ConnectAsync(int port, IPAddress? from = null)
    {
        var client = new RawProxyClient();
        if (from is not null)
        {
            client._tcp.Client.Bind(new IPEndPoint(from, 0));
        }
        await client._tcp.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    public static string Basic(string key) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + key));

    /// <summary>Sends <c>CONNECT authority</c> (with <paramref name="proxyAuthorization"/> when given) and reads the answer's head and body.</summary>
    public async Task<ConnectAnswer> SendConnectAsync(string authority, string? proxyAuthorization)
    {
        var request = $"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
            + (proxyAuthorization is null ? string.Empty : $"Proxy-Authorization: {proxyAuthorization}\r\n") + "\r\n";
        await Stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return await ReadAnswerAsync();
    }

    /// <summary>Reads one answer: its head, then Content-Length bytes of body.</summary>
    public async Task<ConnectAnswer> ReadAnswerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var head = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(head))
        {
            if (await Stream.ReadAsync(one, timeout.Token) == 0)
            {
                throw new IOException("The proxy closed the connection before a full answer: " + Encoding.ASCII.GetString(head.ToArray()));
            }
            head.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = new byte[headers.TryGetValue("Content-Length", out var length) ? int.Parse(length, System.Globalization.CultureInfo.InvariantCulture) : 0];
        await Stream.ReadExactlyAsync(body, timeout.Token);
        return new ConnectAnswer(status, headers, Encoding.UTF8.GetString(body));
    }

    /// <summary>Whether the proxy closes the connection within <paramref name="within"/> (reads see its end).</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        try
        {
            while (await Stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private static bool EndsWithBlankLine(List<byte> head) =>
        head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n';
}
