using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using ModelGateway.Egress;

namespace ModelGateway.ForwardProxy;

internal sealed partial class ForwardProxyConnectionHandler
{
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
}
