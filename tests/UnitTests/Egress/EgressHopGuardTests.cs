using System.Net;
using ModelGateway.Egress;

namespace ModelGateway.UnitTests.Egress;

/// <summary>The connect-time half of the trust model: which addresses a new connection may use.</summary>
public sealed class EgressHopGuardTests
{
    private const int Port = 8080;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.5")]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    public async Task AddressesToConnectAsync_PublicLookingNameResolvingToBlockedAddress_Refused(string address)
    {
        var guard = Guard(new TableResolver(new() { ["models.example.com"] = [IPAddress.Parse(address)] }));

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            guard.AddressesToConnectAsync(new DnsEndPoint("models.example.com", Port), trustedConnection: false, CancellationToken.None).AsTask());

        Assert.Equal(EgressFailure.HostUnreachable, ex.Failure);
    }

    [Fact]
    public async Task AddressesToConnectAsync_AllAnswersBlocked_RefusedEvenWhenSomeArePrivateAndSomeLoopback()
    {
        var guard = Guard(new TableResolver(new()
        {
            ["rebind.example.com"] = [IPAddress.Parse("192.168.1.1"), IPAddress.Parse("fd00::1"), IPAddress.Loopback],
        }));

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            guard.AddressesToConnectAsync(new DnsEndPoint("rebind.example.com", Port), trustedConnection: false, CancellationToken.None).AsTask());

        Assert.Equal(EgressFailure.HostUnreachable, ex.Failure);
    }

    [Fact]
    public async Task AddressesToConnectAsync_PublicAndPrivateAnswers_OnlyThePublicOnes()
    {
        var guard = Guard(new TableResolver(new()
        {
            ["mixed.example.com"] = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("8.8.8.8"), IPAddress.Loopback],
        }));

        var addresses = await guard.AddressesToConnectAsync(new DnsEndPoint("mixed.example.com", Port), trustedConnection: false, CancellationToken.None);

        Assert.Equal([IPAddress.Parse("8.8.8.8")], addresses);
    }

    [Fact]
    public async Task AddressesToConnectAsync_LiteralLoopback_RefusedThroughResolver()
    {
        var resolver = new TableResolver(new() { ["127.0.0.1"] = [IPAddress.Loopback] });
        var guard = Guard(resolver);

        await Assert.ThrowsAsync<EgressException>(() =>
            guard.AddressesToConnectAsync(new DnsEndPoint("127.0.0.1", Port), trustedConnection: false, CancellationToken.None).AsTask());
        Assert.Equal(["127.0.0.1"], resolver.Asked);
    }

    [Fact]
    public async Task AddressesToConnectAsync_TrustedOriginForTrustedConnection_ItsPrivateAddress()
    {
        var guard = Guard(new TableResolver(new() { ["mirror.internal"] = [IPAddress.Loopback] }), trusted: [new Uri($"http://mirror.internal:{Port}/")]);

        var addresses = await guard.AddressesToConnectAsync(new DnsEndPoint("MIRROR.internal.", Port), trustedConnection: true, CancellationToken.None);

        Assert.Equal([IPAddress.Loopback], addresses);
    }

    [Fact]
    public async Task AddressesToConnectAsync_TrustedOriginForUntrustedConnection_Refused()
    {
        var guard = Guard(new TableResolver(new() { ["mirror.internal"] = [IPAddress.Loopback] }), trusted: [new Uri($"http://mirror.internal:{Port}/")]);

        await Assert.ThrowsAsync<EgressException>(() =>
            guard.AddressesToConnectAsync(new DnsEndPoint("mirror.internal", Port), trustedConnection: false, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task AddressesToConnectAsync_TrustedHostOtherPort_Refused()
    {
        var guard = Guard(new TableResolver(new() { ["mirror.internal"] = [IPAddress.Loopback] }), trusted: [new Uri("http://mirror.internal:1/")]);

        await Assert.ThrowsAsync<EgressException>(() =>
            guard.AddressesToConnectAsync(new DnsEndPoint("mirror.internal", Port), trustedConnection: true, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task AddressesToConnectAsync_AllowPrivateNetworks_Loopback()
    {
        var guard = Guard(new TableResolver(new() { ["fake.test"] = [IPAddress.Loopback] }), new EgressOptions { AllowPrivateNetworks = true });

        var addresses = await guard.AddressesToConnectAsync(new DnsEndPoint("fake.test", Port), trustedConnection: false, CancellationToken.None);

        Assert.Equal([IPAddress.Loopback], addresses);
    }

    [Fact]
    public async Task AddressesToConnectAsync_UnknownNameAndBlockedName_SameFailureAndMessage()
    {
        // No DNS oracle: a key cannot tell a name that does not exist from one that points inside.
        var guard = Guard(new TableResolver(new() { ["internal.example.com"] = [IPAddress.Parse("10.0.0.1")] }));
        var missing = new TableResolver([]);

        var blocked = await Assert.ThrowsAsync<EgressException>(() =>
            guard.AddressesToConnectAsync(new DnsEndPoint("internal.example.com", Port), trustedConnection: false, CancellationToken.None).AsTask());
        var unknown = await Assert.ThrowsAsync<EgressException>(() =>
            Guard(missing).AddressesToConnectAsync(new DnsEndPoint("internal.example.com", Port), trustedConnection: false, CancellationToken.None).AsTask());

        Assert.Equal((EgressFailure.HostUnreachable, "The host \"internal.example.com\" cannot be reached from this gateway."), (blocked.Failure, blocked.Message));
        Assert.Equal((blocked.Failure, blocked.Message), (unknown.Failure, unknown.Message));
    }

    [Fact]
    public async Task AddressesToConnectAsync_EmptyAnswer_Unreachable()
    {
        var guard = Guard(new TableResolver(new() { ["empty.example.com"] = [] }));

        var ex = await Assert.ThrowsAsync<EgressException>(() =>
            guard.AddressesToConnectAsync(new DnsEndPoint("empty.example.com", Port), trustedConnection: false, CancellationToken.None).AsTask());

        Assert.Equal(EgressFailure.HostUnreachable, ex.Failure);
    }

    [Theory]
    [InlineData("proxy.corp", 3128, false, true)]   // the connection to the egress proxy
    [InlineData("PROXY.corp.", 3128, false, true)]
    [InlineData("proxy.corp", 3129, false, false)]
    [InlineData("mirror.internal", 80, true, true)]  // a trusted hop's connection
    [InlineData("mirror.internal", 80, false, false)]
    public void IsTrustedConnection_ProxyOrTrustedHop(string host, int port, bool trustedHop, bool expected)
    {
        var guard = Guard(new TableResolver([]), new EgressOptions { ProxyUrl = "http://proxy.corp:3128" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://mirror.internal/");
        request.Options.Set(EgressHopGuard.TrustedHop, trustedHop);

        Assert.Equal(expected, guard.IsTrustedConnection(new DnsEndPoint(host, port), request));
    }

    [Fact]
    public async Task DnsEgressResolver_Literal_ReturnedWithoutLookup()
    {
        var addresses = await new DnsEgressResolver().ResolveAsync("::ffff:10.0.0.1", CancellationToken.None);

        Assert.Equal([IPAddress.Parse("::ffff:10.0.0.1")], addresses);
    }

    private static EgressHopGuard Guard(IEgressResolver resolver, EgressOptions? options = null, Uri[]? trusted = null) =>
        new(new StaticOptionsMonitor<EgressOptions>(options ?? new EgressOptions()), trusted ?? [], resolver);
}
