using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using ModelGateway.Forwarding;

namespace ModelGateway.UnitTests.Forwarding;

public sealed class SourceRouteTransformsTests
{
    [Theory]
    [InlineData("application/vnd.xet-fileinfo+json, */*", "*/*")]
    [InlineData("application/json, application/vnd.xet-fileinfo+json;q=0.5", "application/json")]
    [InlineData("APPLICATION/VND.XET-FILEINFO+JSON", null)]
    [InlineData("text/html, application/json;q=0.9", "text/html, application/json;q=0.9")]
    public void WithoutXetAccept_OnlyTheXetMediaTypeGoes(string accept, string? expected)
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("Accept", accept);

        SourceRouteTransforms.WithoutXetAccept(request.Headers);

        Assert.Equal(expected, request.Headers.NonValidated.TryGetValues("Accept", out var values) ? values.ToString() : null);
    }

    [Fact]
    public void WithoutXet_XetHeadersAndLinkEntriesGo_OthersStay()
    {
        var headers = new HeaderDictionary
        {
            ["X-Xet-Hash"] = "abc",
            ["x-xet-refresh-route"] = "/api/x",
            ["X-Repo-Commit"] = "0123",
            ["Link"] = "<https://huggingface.co/api/models?cursor=a,b>; rel=\"next\", <https://huggingface.co/api/models/o/r/xet-read-token/c>; rel=\"xet-auth\", "
                + "<https://cas-server.xethub.hf.co/v1/reconstructions/e>; rel=\"xet-reconstruction-info\"",
        };

        SourceRouteTransforms.WithoutXet(headers);

        Assert.Equal(["X-Repo-Commit", "Link"], headers.Keys);
        Assert.Equal("<https://huggingface.co/api/models?cursor=a,b>; rel=\"next\"", headers["Link"].ToString());
    }

    [Fact]
    public void WithoutXet_OnlyXetLinks_HeaderRemoved()
    {
        var headers = new HeaderDictionary { ["Link"] = "<https://x/a>; rel=\"xet-auth\"" };

        SourceRouteTransforms.WithoutXet(headers);

        Assert.False(headers.ContainsKey("Link"));
    }

    [Fact]
    public void SplitList_CommasInsideAnglesAndQuotesDoNotSeparate()
    {
        Assert.Equal(["<https://a/b,c>; rel=\"x,y\"", "<https://d>"], SourceRouteTransforms.SplitList("<https://a/b,c>; rel=\"x,y\", <https://d>"));
    }
}
