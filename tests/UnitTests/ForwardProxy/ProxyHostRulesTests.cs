using Microsoft.Extensions.Options;
using ModelGateway.ForwardProxy;
using ModelGateway.Sources.CivitAi;
using ModelGateway.Sources.HuggingFace;
using ModelGateway.UnitTests.Infrastructure;

namespace ModelGateway.UnitTests.ForwardProxy;

public sealed class ProxyHostRulesTests
{
    private static readonly ProxyHostRules Rules = new(
        new ReloadableOptionsMonitor<CivitAiOptions>(new CivitAiOptions { Hosts = ["civitai.com", "*.civitai.com"] }),
        new ReloadableOptionsMonitor<HuggingFaceOptions>(new HuggingFaceOptions { Hosts = ["huggingface.co", "hf.co"] }),
        Options.Create(new ForwardProxyOptions { TunnelHosts = ["GitHub.com", "*.githubusercontent.com", "*.xethub.hf.co"] }));

    [Theory]
    [InlineData("civitai.com", "Intercept", "civitai")]
    [InlineData("CIVITAI.COM.", "Intercept", "civitai")]
    [InlineData("www.civitai.com", "Intercept", "civitai")]
    [InlineData("huggingface.co", "Intercept", "huggingface")]
    [InlineData("hf.co", "Intercept", "huggingface")]
    [InlineData("github.com", "Tunnel", null)]
    [InlineData("raw.githubusercontent.com", "Tunnel", null)]
    [InlineData("githubusercontent.com", "Refuse", null)]
    [InlineData("cas-server.xethub.hf.co", "Xet", null)]
    [InlineData("xethub.hf.co", "Xet", null)]
    [InlineData("cdn-lfs.hf.co", "Refuse", null)]
    [InlineData("huggingface.co.evil.example", "Refuse", null)]
    [InlineData("10.0.0.1", "Refuse", null)]
    public void Decide_ByName(string host, string action, string? source)
    {
        var decision = Rules.Decide(host);

        Assert.Equal((action, source), (decision.Action.ToString(), decision.Source));
    }

    [Fact]
    public void ProxiedPatterns_EveryHostServedInSomeWay_Normalized()
    {
        Assert.Equal(["civitai.com", "*.civitai.com", "huggingface.co", "hf.co", "github.com", "*.githubusercontent.com", "*.xethub.hf.co", "xethub.hf.co"],
            Rules.ProxiedPatterns());
    }
}
