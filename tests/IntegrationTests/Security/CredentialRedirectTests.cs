using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelGateway.Egress;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Security;

public sealed class CredentialRedirectTests
{
    [Fact]
    public async Task SendAsync_RedirectToAnotherHost_StorageNeverSeesTheToken()
    {
        await using var storage = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/blob/{id}", ["GET", "HEAD"], (HttpContext c) =>
            {
                c.Response.ContentLength = 5;
                return Task.CompletedTask;
            }));
        await using var api = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/api/download/{id}", ["GET", "HEAD"], (string id) =>
                Results.Redirect(storage.Url($"blob/{id}?X-Amz-Signature=abc").AbsoluteUri)));
        await using var gateway = new SecurityGateway(new() { ["Egress:AllowPrivateNetworks"] = "true" }, new LoopbackResolver([]));
        var egress = gateway.Services.GetRequiredService<EgressClient>();

        // A careless callback that adds the token to every hop: the client still drops it on the other origin.
        using var response = await egress.SendAsync(new EgressRequest(HttpMethod.Head, api.Url("api/download/7"), m =>
        {
            m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "source-token");
            m.Headers.Add("Cookie", "session=s");
        }) { BlockedHosts = [] }, CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        var first = Assert.Single(api.Requests);
        Assert.Equal("Bearer source-token", first.Header("Authorization"));
        var second = Assert.Single(storage.Requests);
        Assert.Equal("/blob/7?X-Amz-Signature=abc", second.PathAndQuery);
        Assert.Null(second.Header("Authorization"));
        Assert.Null(second.Header("Cookie"));
    }
}
