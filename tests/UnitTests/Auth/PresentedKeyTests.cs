using Microsoft.AspNetCore.Http;
using ModelGateway.Auth;

namespace ModelGateway.UnitTests.Auth;

public sealed class PresentedKeyTests
{
    [Theory]
    [InlineData(null, "Bearer hf_abc", "hf_abc")]
    [InlineData(null, "bearer   hf_abc ", "hf_abc")]
    [InlineData("key-1", "Bearer hf_abc", "key-1")] // X-API-Key wins
    [InlineData(null, "Basic dXNlcjpwYXNz", null)]
    [InlineData(null, "Bearer", null)]
    [InlineData(null, null, null)]
    public void PresentedKey_ApiKeyElseBearerToken(string? apiKey, string? authorization, string? expected)
    {
        var headers = new HeaderDictionary();
        if (apiKey is not null)
        {
            headers["X-API-Key"] = apiKey;
        }
        if (authorization is not null)
        {
            headers["Authorization"] = authorization;
        }

        var presented = ApiKeyAuthenticationHandler.PresentedKey(headers);

        Assert.Equal(expected, presented.Count == 0 ? null : presented[0]);
    }

    [Fact]
    public void PresentedKey_TwoAuthorizationHeaders_BothReturnedToBeRefused()
    {
        var headers = new HeaderDictionary { ["Authorization"] = new(["Bearer a", "Bearer b"]) };

        Assert.Equal(2, ApiKeyAuthenticationHandler.PresentedKey(headers).Count);
    }
}
