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

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.5")]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    public async Task ConnectAsync_PublicLookingNameResolvingToBlockedAddress_Refused(string address)
    {
        var connector = Connector(new TableResolver(new() { ["models.example.com"] = [IPAddress.Parse(address)] }));

        var ex = await Assert.ThrowsAsync<BlockedAddressException>(() =>
            connector.ConnectAsync(new DnsEndPoint("models.example.com", Port), mayUseTrust: false, CancellationToken.None).AsTask());

        Assert.Equal("models.example.com", ex.Host);
        Assert.False(_listener.Pending());
    }

    [Fact]
    public async Task ConnectAsync_AllAnswersBlocked_RefusedEvenWhenSomeArePrivateAndSomeLoopback()
    {
        var connector = Connector(new TableResolver(new()
        {
            ["rebind.example.com"] = [IPAddress.Parse("192.168.1.1"), IPAddress.Parse("fd00::1"), IPAddress.Loopback],
        }));

        await Assert.ThrowsAsync<BlockedAddressException>(() =>
            connector.ConnectAsync(new DnsEndPoint("rebind.example.com", Port), mayUseTrust: false, CancellationToken.None).AsTask());
        Assert.False(_listener.Pending());
    }

    [Fact]
    public async Task ConnectAsync_LiteralLoopback_RefusedThroughResolver()
    {
        var resolver = new TableResolver(new() { ["127.0.0.1"] = [IPAddress.Loopback] });
        var connector = Connector(resolver);

        await Assert.ThrowsAsync<BlockedAddressException>(() =>
            connector.ConnectAsync(new DnsEndPoint("127.0.0.1", Port), mayUseTrust: false, CancellationToken.None).AsTask());
        Assert.Equal(["127.0.0.1"], resolver.Asked);
    }

    [Fact]
    public async Task ConnectAsync_TrustedOriginForTrustedHop_ConnectsToTheCheckedAddress()
    {
        var resolver = new TableResolver(new() { ["mirror.internal"] = [IPAddress.Loopback] });
        var connector = Connector(resolver, trust: new EgressTrust([new Uri($"http://mirror.internal:{Port}/")]));

        await using var stream = await connector.ConnectAsync(new DnsEndPoint("MIRROR.internal.", Port), mayUseTrust: true, CancellationToken.None);

        using var accepted = await _listener.AcceptTcpClientAsync();
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address);
    }

    [Fact]
    public async Task ConnectAsync_TrustedOriginForUntrustedHop_Refused()
    {
        var connector = Connector(new TableResolver(new() { ["mirror.internal"] = [IPAddress.Loopback] }),
            trust: new EgressTrust([new Uri($"http://mirror.internal:{Port}/")]));

        await Assert.ThrowsAsync<BlockedAddressException>(() =>
            connector.ConnectAsync(new DnsEndPoint("mirror.internal", Port), mayUseTrust: false, CancellationToken.None).AsTask());
        Assert.False(_listener.Pending());
    }

    [Fact]
    public async Task ConnectAsync_TrustedHostOtherPort_Refused()
    {
        var connector = Connector(new TableResolver(new() { ["mirror.internal"] = [IPAddress.Loopback] }),
            trust: new EgressTrust([new Uri("http://mirror.internal:1/")]));

        await Assert.ThrowsAsync<BlockedAddressException>(() =>
            connector.ConnectAsync(new DnsEndPoint("mirror.internal", Port), mayUseTrust: true, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task ConnectAsync_AllowPrivateNetworks_Connects()
    {
        var connector = Connector(new TableResolver(new() { ["fake.test"] = [IPAddress.Loopback] }),
            new EgressOptions { AllowPrivateNetworks = true });

        await using var stream = await connector.ConnectAsync(new DnsEndPoint("fake.test", Port), mayUseTrust: false, CancellationToken.None);

        using var accepted = await _listener.AcceptTcpClientAsync();
        Assert.True(accepted.Connected);
    }

    [Fact]
    public async Task ConnectAsync_UnknownName_HostNotFound()
    {
        var connector = Connector(new TableResolver([]));

        var ex = await Assert.ThrowsAsync<SocketException>(() =>
            connector.ConnectAsync(new DnsEndPoint("missing.invalid", Port), mayUseTrust: false, CancellationToken.None).AsTask());

        Assert.Equal(SocketError.HostNotFound, ex.SocketErrorCode);
    }

    [Fact]
    public async Task ConnectAsync_EmptyAnswer_HostNotFound()
    {
        var connector = Connector(new TableResolver(new() { ["empty.example.com"] = [] }));

        var ex = await Assert.ThrowsAsync<SocketException>(() =>
            connector.ConnectAsync(new DnsEndPoint("empty.example.com", Port), mayUseTrust: false, CancellationToken.None).AsTask());

        Assert.Equal(SocketError.HostNotFound, ex.SocketErrorCode);
    }

    [Fact]
    public async Task DnsEgressResolver_Literal_ReturnedWithoutLookup()
    {
        var addresses = await new DnsEgressResolver().ResolveAsync("::ffff:10.0.0.1", CancellationToken.None);

        Assert.Equal([IPAddress.Parse("::ffff:10.0.0.1")], addresses);
    }

    private static EgressConnector Connector(IEgressResolver resolver, EgressOptions? options = null, EgressTrust? trust = null) =>
        new(new StaticOptionsMonitor<EgressOptions>(options ?? new EgressOptions()), trust ?? new EgressTrust([]), resolver);
}
