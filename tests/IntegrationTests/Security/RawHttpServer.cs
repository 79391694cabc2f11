using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModelGateway.IntegrationTests.Security;

/// <summary>
/// A hostile upstream on 127.0.0.1:0 speaking raw TCP: it reads a request's head and then does whatever the test's
/// handler writes — trickle, never end, send megabytes of headers. Counts the bytes it managed to write; stops when
/// disposed.
/// </summary>
public sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<RawConnection, CancellationToken, Task> _handler;
    private readonly Task _accepting;
    private long _bytesWritten;
    private int _connections;
    private int _open;

    public RawHttpServer(Func<RawConnection, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections whose handler is still running (writing to a peer that may have gone).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    /// <summary>Waits until no handler runs any more, or the timeout passes; true when all ended.</summary>
    public async Task<bool> WaitIdleAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (OpenConnections > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }
        return OpenConnections == 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            Interlocked.Increment(ref _open);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var connection = new RawConnection(client.GetStream(), this);
                        await connection.ReadRequestHeadAsync(_stop.Token);
                        await _handler(connection, _stop.Token);
                    }
                    catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                    {
                        // the gateway hung up: exactly what these upstreams are for
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _open);
                    }
                }
            });
        }
    }

    public sealed class RawConnection(NetworkStream stream, RawHttpServer server)
    {
        /// <summary>The request line, e.g. <c>HEAD /x HTTP/1.1</c>.</summary>
        public string RequestLine { get; private set; } = string.Empty;

        public bool IsHead => RequestLine.StartsWith("HEAD ", StringComparison.Ordinal);

        /// <summary>The connection itself, after the request head (a handler that relays, as a CONNECT proxy does).</summary>
        public NetworkStream Stream => stream;

        public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(bytes, cancellationToken);
            Interlocked.Add(ref server._bytesWritten, bytes.Length);
        }

        public Task WriteAsync(string text, CancellationToken cancellationToken) =>
            WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);

        internal async Task ReadRequestHeadAsync(CancellationToken cancellationToken)
        {
            var head = new StringBuilder();
            var buffer = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 65536)
            {
                if (await stream.ReadAsync(buffer, cancellationToken) == 0)
                {
                    throw new IOException("The client closed before sending a request.");
                }
                head.Append((char)buffer[0]);
            }
            RequestLine = head.ToString().Split("\r\n")[0];
        }
    }
}
