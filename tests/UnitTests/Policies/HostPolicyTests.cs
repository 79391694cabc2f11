using ModelGateway.Policies;

namespace ModelGateway.UnitTests.Policies;

public sealed class HostPolicyTests
{
    private static PolicySettings Lists(string[]? allowed = null, string[]? blocked = null) =>
        PolicySettings.Resolve(new PolicyOptions { AllowedHosts = [.. allowed ?? []], BlockedHosts = [.. blocked ?? []] });

    [Theory]
    [InlineData("example.com")]
    [InlineData("files.example.org")]
    [InlineData("203.0.113.7")]
    public void IsAllowed_EmptyLists_AnyHost(string host)
    {
        Assert.True(HostPolicy.IsAllowed(host, Lists()));
    }

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("EXAMPLE.com", true)]
    [InlineData("example.com.", true)]
    [InlineData("Example.Com.", true)]
    [InlineData("cdn.example.com", false)]
    [InlineData("example.com.evil.net", false)]
    [InlineData("notexample.com", false)]
    public void IsAllowed_ExactPattern_MatchesOnlyThatHost(string host, bool allowed)
    {
        Assert.Equal(allowed, HostPolicy.IsAllowed(host, Lists(["example.com"])));
    }

    [Theory]
    [InlineData("cdn.example.com", true)]
    [InlineData("a.b.example.com", true)]
    [InlineData("CDN.Example.COM.", true)]
    [InlineData("example.com", false)]
    [InlineData("badexample.com", false)]
    [InlineData("example.com.evil.net", false)]
    public void IsAllowed_WildcardPattern_MatchesSubdomainsOnly(string host, bool allowed)
    {
        Assert.Equal(allowed, HostPolicy.IsAllowed(host, Lists(["*.example.com"])));
    }

    [Fact]
    public void IsAllowed_ConfiguredPatternWithCaseAndTrailingDot_Normalized()
    {
        var policy = Lists(["*.Example.COM."]);

        Assert.True(HostPolicy.IsAllowed("cdn.example.com", policy));
        Assert.False(HostPolicy.IsAllowed("example.com", policy));
    }

    [Theory]
    [InlineData("cdn.example.com", true)]
    [InlineData("evil.example.com", false)]
    [InlineData("other.net", false)]
    public void IsAllowed_ListsGivenDirectly_SameRuleAsAPolicy(string host, bool allowed)
    {
        Assert.Equal(allowed, HostPolicy.IsAllowed(host, ["*.example.com"], ["evil.example.com"]));
    }

    [Fact]
    public void FirstNotAllowed_ReturnsTheFirstOffendingHostOrNull()
    {
        var policy = Lists(["*.example.com"], ["bad.example.com"]);

        Assert.Equal("bad.example.com", HostPolicy.FirstNotAllowed(["a.example.com", "bad.example.com", "other.net"], policy));
        Assert.Equal("other.net", HostPolicy.FirstNotAllowed(["a.example.com", "other.net"], policy));
        Assert.Null(HostPolicy.FirstNotAllowed(["a.example.com", "b.example.com"], policy));
        Assert.Null(HostPolicy.FirstNotAllowed([], policy));
    }

    [Theory]
    [InlineData("evil.example.com", false)]
    [InlineData("EVIL.example.com.", false)]
    [InlineData("good.example.com", true)]
    public void IsAllowed_BlockedAndAllowed_BlockedWins(string host, bool allowed)
    {
        Assert.Equal(allowed, HostPolicy.IsAllowed(host, Lists(["*.example.com"], ["evil.example.com"])));
    }

    [Fact]
    public void IsAllowed_BlockedWildcard_BlocksSubdomainsNotApex()
    {
        var policy = Lists(blocked: ["*.example.com"]);

        Assert.False(HostPolicy.IsAllowed("x.example.com", policy));
        Assert.True(HostPolicy.IsAllowed("example.com", policy));
        Assert.True(HostPolicy.IsAllowed("other.org", policy));
    }

    [Fact]
    public void IsAllowed_SameHostAllowedAndBlocked_Blocked()
    {
        Assert.False(HostPolicy.IsAllowed("example.com", Lists(["example.com"], ["example.com"])));
    }

    [Theory]
    [InlineData("*.example.com", "a.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "xexample.com", false)]
    [InlineData("example.com", "example.com", true)]
    [InlineData("example.com", "a.example.com", false)]
    public void Matches_NormalizedInputs(string pattern, string host, bool expected)
    {
        Assert.Equal(expected, HostPolicy.Matches(pattern, host));
    }

    [Theory]
    [InlineData("Example.COM.", "example.com")]
    [InlineData("  example.com  ", "example.com")]
    [InlineData("[::1]", "::1")]
    [InlineData("[2001:DB8::1]", "2001:db8::1")]
    [InlineData("example.com..", "example.com")]
    public void NormalizeHost_LowerCaseNoTrailingDotNoBrackets(string host, string expected)
    {
        Assert.Equal(expected, HostPolicy.NormalizeHost(host));
    }

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("*.example.com", true)]
    [InlineData("Example.COM.", true)]
    [InlineData("localhost", true)]
    [InlineData("203.0.113.7", true)]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("*", false)]
    [InlineData("*.", false)]
    [InlineData("*.*.example.com", false)]
    [InlineData("ex*mple.com", false)]
    [InlineData("example.com/path", false)]
    [InlineData("https://example.com", false)]
    public void IsValidPattern_HostNamesAndSubdomainWildcardsOnly(string pattern, bool valid)
    {
        Assert.Equal(valid, HostPolicy.IsValidPattern(pattern));
    }
}
