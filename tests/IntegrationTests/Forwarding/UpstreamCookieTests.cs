using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Forwarding;

/// <summary>Every upstream answers on the gateway's origin: none of them may set a cookie there.</summary>
public sealed class UpstreamCookieTests
{
    [Theory]
    [InlineData("/files/ok", 200)]
    [InlineData("/files/missing", 404)]
    [InlineData("/files/broken", 500)]
    [InlineData("/files/moved", 302)]
    public async Task ForwardedRoute_UpstreamSetsCookies_NoneReachTheClient(string path, int status)
    {
        await using var upstream = await FakeHost.StartAsync((app, _) => app.Map("/files/{name}", (HttpContext c, string name) =>
        {
            c.Response.Headers.Append("Set-Cookie", "session=upstream-secret; Path=/; HttpOnly");
            c.Response.Headers.Append("Set-Cookie", "tracking=1; Path=/");
            c.Response.Headers["X-Upstream"] = "kept";
            return name switch
            {
                "ok" => Results.Text("file bytes"),
                "missing" => Results.NotFound(),
                "broken" => Results.StatusCode(500),
                _ => Results.Redirect("/files/ok"),
            };
        }));
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:files:ClusterId"] = "files",
            ["ReverseProxy:Routes:files:Match:Path"] = "/upstream/{**rest}",
            ["ReverseProxy:Routes:files:Transforms:0:PathRemovePrefix"] = "/upstream",
            ["ReverseProxy:Clusters:files:Destinations:one:Address"] = upstream.BaseUri.AbsoluteUri,
        });
        using var client = gateway.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);

        using var response = await client.GetAsync("/upstream" + path);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal("kept", response.Headers.GetValues("X-Upstream").Single()); // other headers pass
        Assert.Single(upstream.Requests); // it was forwarded, not answered by the gateway
    }
}
