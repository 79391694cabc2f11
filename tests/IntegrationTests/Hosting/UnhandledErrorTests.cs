using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Policies;
using ModelGateway.Sources;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// docs/api.md, Errors: an unexpected failure is <c>500 INTERNAL_ERROR</c>, logged, and never a stack trace or the
/// exception's message in the answer (<c>GatewayExceptionHandler</c>). A request the server finds malformed
/// (<see cref="BadHttpRequestException"/>) is <c>400 INVALID_URL_FORMAT</c>. The failures come from a metadata
/// source the test adds for one host, as a bug in a real source would surface: before the cache (its cache key) or
/// inside the cached probe.
/// </summary>
public sealed class UnhandledErrorTests : IAsyncLifetime
{
    private const string Secret = "secret detail";
    private const string BoomHost = "boom.example";
    private const string InternalErrorBody =
        "{\"code\":\"INTERNAL_ERROR\",\"message\":\"The gateway failed unexpectedly; the failure is logged.\"}";

    private readonly FakeLogCollector _logs = new();
    private GatewayFactory Factory { get; set; } = null!;
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Gateway { get; set; } = null!;

    public Task InitializeAsync()
    {
        Factory = new GatewayFactory(logs: new FakeLoggerProvider(_logs));
        Gateway = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddSingleton<IMetadataSource>(new FailingSource())));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Factory.DisposeAsync();
    }

    [Theory]
    [InlineData("/api/assets/remote-metadata", "cache-key")]
    [InlineData("/api/assets/remote-metadata", "probe")]
    [InlineData("/api/assets/download", "cache-key")]
    [InlineData("/api/assets/download", "probe")]
    public async Task ServiceThrows_500InternalError_NoDetailNoStackTrace_Logged(string endpoint, string where)
    {
        using var client = Client();

        using var response = await client.GetAsync(endpoint + "?url=" + Uri.EscapeDataString($"https://{BoomHost}/invalid-operation/{where}/model.safetensors"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(InternalErrorBody, body);
        Assert.DoesNotContain(Secret, body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(FailingSource), body, StringComparison.Ordinal);
        // Logged, with the exception (its detail is the operator's, not the client's).
        var logged = Assert.Single(_logs.GetSnapshot(), r => r.Id.Name == "UnhandledFailure");
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.IsType<InvalidOperationException>(Innermost(logged.Exception));
        Assert.Equal(Secret, Innermost(logged.Exception)!.Message);
    }

    [Theory]
    [InlineData("/api/assets/remote-metadata")]
    [InlineData("/api/assets/download")]
    public async Task BadHttpRequest_400InvalidUrlFormat_RequestIsMalformed(string endpoint)
    {
        using var client = Client();

        using var response = await client.GetAsync(endpoint + "?url=" + Uri.EscapeDataString($"https://{BoomHost}/bad-request/cache-key/model.safetensors"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"code\":\"INVALID_URL_FORMAT\",\"message\":\"The request is malformed.\"}", body);
        Assert.DoesNotContain(Secret, body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Id.Name == "UnhandledFailure"); // a refusal, not a failure
    }

    [Fact]
    public async Task AfterAFailure_OtherRequestsStillServed()
    {
        using var client = Client();
        using var failed = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString($"https://{BoomHost}/invalid-operation/probe/model.safetensors"));

        using var policy = await client.GetAsync("/api/assets/policy");

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
    }

    private HttpClient Client()
    {
        var client = Gateway.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);
        return client;
    }

    private static Exception? Innermost(Exception? exception)
    {
        while (exception?.InnerException is not null)
        {
            exception = exception.InnerException;
        }
        return exception;
    }

    /// <summary>
    /// Answers for <see cref="BoomHost"/> only, and fails as its URL's path says: <c>/{invalid-operation|bad-request}/{cache-key|probe}/…</c>.
    /// </summary>
    private sealed class FailingSource : IMetadataSource
    {
        public string Name => "failing";

        public IReadOnlyList<string> FileHeaders => [];

        public SourceRef? TryRecognize(Uri url)
        {
            if (url.Host != BoomHost)
            {
                return null;
            }
            if (Where(url) == "cache-key")
            {
                throw Failure(url);
            }
            return new SourceRef(this, url, url.AbsoluteUri);
        }

        public SourceRef? TryRecognizeFile(Uri url) => TryRecognize(url);

        public Task<ProbeResult> ProbeAsync(SourceRef asset, ProbeScope scope, CancellationToken cancellationToken) =>
            Task.FromException<ProbeResult>(Failure(asset.Url));

        public ContentLocation Locate(SourceRef asset, AssetFacts facts) => throw Failure(asset.Url);

        private static string Where(Uri url) => url.Segments[2].TrimEnd('/');

        private static Exception Failure(Uri url) => url.Segments[1].TrimEnd('/') == "bad-request"
            ? new BadHttpRequestException(Secret)
            : new InvalidOperationException(Secret);
    }
}
