using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using ModelGateway.Downloads;
using ModelGateway.Egress;
using ModelGateway.PolicyProfiles;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;

namespace ModelGateway.ForwardProxy;

/// <summary>The intercepted tunnel a connection carries, for the requests decrypted on it.</summary>
internal sealed record InterceptedTunnel(string Host, int Port, string Source, ProxyCaller Caller)
{
    /// <summary>The connection item it is stored under.</summary>
    public static readonly object ItemKey = typeof(InterceptedTunnel);
}

/// <summary>
/// Kestrel connection middleware of the forward-proxy listener, below HTTP (Kestrel has no CONNECT): a connection that
/// starts with <c>CONNECT host:port</c> is authenticated by its <c>Proxy-Authorization</c>, its host decided
/// (<see cref="ProxyHostRules"/>), then refused, relayed to a tunnel host, or — for a model host — answered with a TLS
/// handshake under a certificate minted from the organisation's CA, the decrypted requests going on to HTTP
/// (<see cref="ForwardProxyRequests"/>). Any other connection goes to HTTP as it is (absolute-form requests).
/// </summary>
internal sealed class ForwardProxyConnectionHandler(
    IOptions<ForwardProxyOptions> options,
    IOptionsMonitor<EgressOptions> egress,
    ProxyAuthenticator authenticator,
    ProxyHostRules hosts,
    ProxyCertificateAuthority certificates,
    PolicyProvider policies,
    EgressHopGuard guard,
    ForwardProxyAudit audit,
    TimeProvider time) : IDisposable
{
    private const int RelayBufferBytes = 64 * 1024;

    private static readonly StreamPipeReaderOptions DecryptedReader = new(bufferSize: RelayBufferBytes, minimumReadSize: 4096, leaveOpen: true);
    private static readonly StreamPipeWriterOptions DecryptedWriter = new(minimumBufferSize: RelayBufferBytes, leaveOpen: true);

    private readonly ForwardProxyOptions _options = options.Value;

    // The tunnels (relayed and intercepted) each key holds open, counted as the download streams are.
    private readonly DownloadSlots _tunnels = new();

    public void Dispose() => _tunnels.Dispose();

    public async Task HandleAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        ConnectRequest? connect;
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            handshake.CancelAfter(_options.HandshakeTimeout);
            try
            {
                var (start, request) = await ReadConnectAsync(connection.Transport.Input, handshake.Token);
                if (start == ConnectRequest.Start.Other)
                {
                    await next(connection); // an ordinary request: Kestrel parses it, ForwardProxyRequests decides
                    return;
                }
                connect = request;
            }
            catch (OperationCanceledException)
            {
                return; // no complete head in time: closed without an answer
            }
        }
        if (connect is null)
        {
            await RespondAsync(connection, StatusCodes.Status400BadRequest, "Bad Request", ErrorCodes.InvalidUrlFormat,
                "Not a CONNECT request this proxy reads: CONNECT host:port HTTP/1.1.");
            return;
        }
        await ConnectAsync(connection, connect, next);
    }

    private async Task ConnectAsync(ConnectionContext connection, ConnectRequest connect, ConnectionDelegate next)
    {
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var caller = authenticator.Authenticate(connect.ProxyAuthorization, peer);
        if (caller.Entry is not { } entry)
        {
            await RefuseUnauthenticatedAsync(connection, caller);
            return;
        }
        var decision = hosts.Decide(connect.Host);
        switch (decision.Action)
        {
            case ProxyHostAction.Xet:
                await RefuseAsync(connection, entry.Name, connect, StatusCodes.Status403Forbidden, ErrorCodes.UnsupportedSource,
                    $"\"{decision.Host}\" is Hugging Face's Xet storage, which would bypass the gateway's checks; downloads fall back to plain HTTP through the gateway (set HF_HUB_DISABLE_XET=1 where a client insists on Xet).");
                return;
            case ProxyHostAction.Refuse:
                await RefuseAsync(connection, entry.Name, connect, StatusCodes.Status403Forbidden, ErrorCodes.UnsupportedSource,
                    $"\"{decision.Host}\" is neither a model host this gateway intercepts nor in ForwardProxy:TunnelHosts.");
                return;
            case ProxyHostAction.Intercept when connect.Port != 443:
                await RefuseAsync(connection, entry.Name, connect, StatusCodes.Status403Forbidden, ErrorCodes.UnsupportedSource,
                    $"Model hosts are intercepted on port 443 only, not {connect.Port}.");
                return;
        }
        using var slot = _tunnels.TryTake(entry.Name, _options.MaxTunnelsPerKey);
        if (slot is null)
        {
            await RefuseAsync(connection, entry.Name, connect, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
                $"This key holds {_options.MaxTunnelsPerKey} proxy tunnels open already (ForwardProxy:MaxTunnelsPerKey); close one first.",
                ("Retry-After", "1"));
            return;
        }
        if (decision.Action == ProxyHostAction.Tunnel)
        {
            await RelayAsync(connection, connect, entry.Name, entry.Policy, peer);
        }
        else
        {
            await InterceptAsync(connection, connect, new InterceptedTunnel(decision.Host, connect.Port, decision.Source!, caller), peer, next);
        }
    }

    /// <summary>Reads the connection's first bytes: an ordinary request (left unread for Kestrel), or a whole CONNECT head (consumed).</summary>
    private static async Task<(ConnectRequest.Start Start, ConnectRequest? Request)> ReadConnectAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var start = ConnectRequest.Classify(buffer);
            if (start == ConnectRequest.Start.Other)
            {
                input.AdvanceTo(buffer.Start); // nothing consumed or examined: Kestrel reads it all again
                return (start, null);
            }
            if (start == ConnectRequest.Start.Connect && ConnectRequest.EndOfHead(buffer) is { } end)
            {
                var request = ConnectRequest.Parse(buffer.Slice(0, end));
                input.AdvanceTo(end);
                return (start, request);
            }
            if (result.IsCompleted || buffer.Length > ConnectRequest.MaxHeadBytes)
            {
                input.AdvanceTo(buffer.End);
                return (ConnectRequest.Start.Connect, null);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private async Task InterceptAsync(ConnectionContext connection, ConnectRequest connect, InterceptedTunnel tunnel, IPAddress? peer, ConnectionDelegate next)
    {
        var keyName = tunnel.Caller.Entry!.Name;
        await WriteHeadAsync(connection.Transport.Output, "HTTP/1.1 200 Connection established\r\n\r\n");
        var started = time.GetTimestamp();
        await using var ssl = new SslStream(new PipeStream(connection.Transport), leaveInnerStreamOpen: false);
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            handshake.CancelAfter(_options.HandshakeTimeout);
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificates.For(tunnel.Host),
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    ClientCertificateRequired = false,
                    CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                }, handshake.Token);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
            {
                audit.HandshakeFailed(keyName, tunnel.Host, peer, ex is OperationCanceledException ? "timed out" : ex.Message);
                return;
            }
        }
        // The name the client's TLS asked for must be the one it connected to (no fronting one host for another).
        if (!string.IsNullOrEmpty(ssl.TargetHostName) && !string.Equals(Policies.HostPolicy.NormalizeHost(ssl.TargetHostName), tunnel.Host, StringComparison.Ordinal))
        {
            audit.HandshakeFailed(keyName, tunnel.Host, peer, $"the TLS server name \"{ssl.TargetHostName}\" is not the CONNECT host");
            return;
        }
        audit.Opened(keyName, "intercept", tunnel.Host, connect.Port, peer);
        var original = connection.Transport;
        connection.Items[InterceptedTunnel.ItemKey] = tunnel;
        var reason = "closed";
        try
        {
            connection.Transport = new DuplexPipe(PipeReader.Create(ssl, DecryptedReader), PipeWriter.Create(ssl, DecryptedWriter));
            await next(connection);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            reason = "aborted";
        }
        finally
        {
            connection.Transport = original;
            audit.Closed(keyName, "intercept", tunnel.Host, connect.Port, -1, -1, time.GetElapsedTime(started), reason);
        }
    }

    private async Task RelayAsync(ConnectionContext connection, ConnectRequest connect, string keyName, string? profile, IPAddress? peer)
    {
        Socket socket;
        try
        {
            socket = await OpenTunnelAsync(connect, profile, connection.ConnectionClosed);
        }
        catch (EgressException ex)
        {
            var (status, code) = ex.Failure switch
            {
                EgressFailure.BlockedHost => (StatusCodes.Status403Forbidden, ErrorCodes.UnsupportedSource),
                EgressFailure.PrivateAddress or EgressFailure.HostUnreachable or EgressFailure.BadTarget => (StatusCodes.Status403Forbidden, ErrorCodes.InvalidHost),
                EgressFailure.Timeout => (StatusCodes.Status504GatewayTimeout, ErrorCodes.NetworkTimeout),
                EgressFailure.ConnectionRefused => (StatusCodes.Status502BadGateway, ErrorCodes.ConnectionRefused),
                _ => (StatusCodes.Status502BadGateway, ErrorCodes.NetworkError),
            };
            await RefuseAsync(connection, keyName, connect, status, code, ex.Message);
            return;
        }
        using (socket)
        {
            await WriteHeadAsync(connection.Transport.Output, "HTTP/1.1 200 Connection established\r\n\r\n");
            audit.Opened(keyName, "relay", connect.Host, connect.Port, peer);
            var started = time.GetTimestamp();
            var (fromClient, toClient, reason) = await RelayBytesAsync(connection, socket);
            audit.Closed(keyName, "relay", connect.Host, connect.Port, fromClient, toClient, time.GetElapsedTime(started), reason);
        }
    }

    /// <summary>
    /// A connection to a tunnel host under the egress rules: the policy's host lists (the base lists and the caller's
    /// profile), allowed ports, never a private, loopback or link-local address (checked on the resolved addresses, the
    /// ones connected to), never an origin reserved to a source or a route. With <c>Egress:ProxyUrl</c> set the tunnel
    /// is opened through that proxy with its own CONNECT (the proxy resolves the name, as for every probe).
    /// </summary>
    private async Task<Socket> OpenTunnelAsync(ConnectRequest connect, string? profile, CancellationToken cancellationToken)
    {
        var basePolicy = policies.For(null);
        var hop = new UriBuilder(Uri.UriSchemeHttps, connect.Host, connect.Port).Uri;
        guard.CheckHop(hop, new EgressRequest(HttpMethod.Get, hop)
        {
            BlockedHosts = basePolicy.BlockedHosts,
            AllowedHosts = basePolicy.AllowedHosts,
            CallerPolicy = policies.For(profile),
        }, redirected: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(egress.CurrentValue.ConnectTimeout);
        var target = guard.Proxy is { } proxy ? new DnsEndPoint(proxy.IdnHost, proxy.Port) : new DnsEndPoint(connect.Host, connect.Port);
        NetworkStream? stream = null;
        try
        {
            var addresses = await guard.AddressesToConnectAsync(target, trustedConnection: guard.Proxy is not null, timeout.Token);
            stream = (NetworkStream)await EgressConnector.ConnectAsync(addresses, target.Port, timeout.Token);
            if (guard.Proxy is not null)
            {
                await ConnectThroughEgressProxyAsync(stream, connect, timeout.Token);
            }
            return stream.Socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stream?.Socket.Dispose();
            throw new EgressException(EgressFailure.Timeout, $"No connection to \"{connect.Host}\" within {egress.CurrentValue.ConnectTimeoutSeconds} seconds.");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            stream?.Socket.Dispose();
            var refused = ex is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            throw new EgressException(refused ? EgressFailure.ConnectionRefused : EgressFailure.ConnectionLost,
                $"No connection to \"{connect.Host}\": {(ex is SocketException socketError ? socketError.SocketErrorCode.ToString() : ex.Message)}.", ex);
        }
        catch
        {
            stream?.Socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks the egress proxy for a tunnel to the host; its answer's head is read byte by byte, so nothing after it is taken.</summary>
    private static async Task ConnectThroughEgressProxyAsync(NetworkStream stream, ConnectRequest connect, CancellationToken cancellationToken)
    {
        var authority = connect.Host.Contains(':', StringComparison.Ordinal) ? $"[{connect.Host}]:{connect.Port}" : $"{connect.Host}:{connect.Port}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"), cancellationToken);
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (head.Count >= ConnectRequest.MaxHeadBytes || await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("the egress proxy closed the connection or sent no complete answer");
            }
            head.Add(one[0]);
        }
        var statusLine = Encoding.ASCII.GetString([.. head]).Split("\r\n")[0];
        if (statusLine.Split(' ') is not [var version, "200", ..] || !version.StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            throw new EgressException(EgressFailure.ConnectionRefused, $"The egress proxy refused the tunnel to \"{connect.Host}\": {statusLine}.");
        }
    }

    /// <summary>Copies both ways until both sides are done, or nothing moved for <c>ForwardProxy:IdleTimeoutSeconds</c>.</summary>
    private async Task<(long FromClient, long ToClient, string Reason)> RelayBytesAsync(ConnectionContext connection, Socket socket)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        var lastActivity = time.GetTimestamp();
        var idle = false;
        var period = _options.IdleTimeout / 4;
        await using var idleCheck = time.CreateTimer(_ =>
        {
            if (time.GetElapsedTime(Volatile.Read(ref lastActivity)) >= _options.IdleTimeout)
            {
                idle = true;
                stop.Cancel();
            }
        }, null, period, period);
        await using var upstream = new NetworkStream(socket, ownsSocket: false);
        var client = connection.Transport;
        long fromClient = 0, toClient = 0;

        async Task Up()
        {
            var input = client.Input;
            while (true)
            {
                var result = await input.ReadAsync(stop.Token);
                foreach (var segment in result.Buffer)
                {
                    await upstream.WriteAsync(segment, stop.Token);
                    fromClient += segment.Length;
                }
                input.AdvanceTo(result.Buffer.End);
                Volatile.Write(ref lastActivity, time.GetTimestamp());
                if (result.IsCompleted)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }
            }
        }

        async Task Down()
        {
            var output = client.Output;
            while (true)
            {
                var memory = output.GetMemory(RelayBufferBytes);
                var read = await upstream.ReadAsync(memory, stop.Token);
                if (read == 0)
                {
                    await output.CompleteAsync();
                    return;
                }
                output.Advance(read);
                toClient += read;
                Volatile.Write(ref lastActivity, time.GetTimestamp());
                await output.FlushAsync(stop.Token);
            }
        }

        var up = Up();
        var down = Down();
        var reason = "closed";
        try
        {
            // The server closing ends the tunnel; the client closing its side only ends what it sends.
            await down;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            reason = idle ? "idle" : "aborted";
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await up;
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // the client side ended with the tunnel
            }
        }
        return (fromClient, toClient, reason);
    }

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
