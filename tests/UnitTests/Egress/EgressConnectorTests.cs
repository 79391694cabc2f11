using System.Net;
using System.Net.Sockets;
using ModelGateway.Egress;

namespace ModelGateway.UnitTests.Egress;

public sealed class EgressConnectorTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public EgressConnectorTests() => _listener.Start();

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task ConnectAsync_FirstAddressRefuses_ConnectsToTheNextOne()
    {
        // 127.0.0.2 has nothing listening on the port; 127.0.0.1 has the listener.
        await using var stream = await EgressConnector.ConnectAsync([IPAddress.Parse("127.0.0.2"), IPAddress.Loopback], Port, CancellationToken.None);

        using var accepted = await _listener.AcceptTcpClientAsync();
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address);
    }

    [Fact]
    public async Task ConnectAsync_NoAddressAccepts_SocketError()
    {
        _listener.Stop();

        var ex = await Assert.ThrowsAsync<SocketException>(() => EgressConnector.ConnectAsync([IPAddress.Loopback], Port, CancellationToken.None).AsTask());

        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }
}
