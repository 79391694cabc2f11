using ModelGateway.ForwardProxy;

namespace ModelGateway.UnitTests.ForwardProxy;

public sealed class ProxyAutoConfigTests
{
    [Fact]
    public void Script_EachPatternToTheProxyElseDirect()
    {
        var script = ProxyAutoConfig.Script(["civitai.com", "*.xethub.hf.co"], "gateway.internal", 3128);

        Assert.Equal("""
            // Model gateway: model hosts (and the listed tunnel hosts) through the gateway's forward proxy.
            function FindProxyForURL(url, host) {
              host = host.toLowerCase();
              if (shExpMatch(host, "civitai.com")) return "PROXY gateway.internal:3128";
              if (shExpMatch(host, "*.xethub.hf.co")) return "PROXY gateway.internal:3128";
              return "DIRECT";
            }

            """.ReplaceLineEndings("\n"), script.ReplaceLineEndings("\n"));
    }
}
