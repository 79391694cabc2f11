using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using ModelGateway.Downloads;
using ModelGateway.Egress;
using ModelGateway.PolicyProfiles;
using ModelGateway.Primitives;

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
internal sealed partial class ForwardProxyConnectionHandler(
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
}
