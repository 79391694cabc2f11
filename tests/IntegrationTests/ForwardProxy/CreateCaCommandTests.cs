using System.Security.Cryptography.X509Certificates;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.ForwardProxy;

/// <summary>The built binary's <c>create-ca</c>, as an operator runs it, and the startup check of the proxy's CA.</summary>
public sealed class CreateCaCommandTests : IDisposable
{
    private readonly DirectoryInfo _site = Directory.CreateTempSubdirectory("gateway-ca-");

    public void Dispose() => _site.Delete(recursive: true);

    [Fact]
    public async Task CreateCa_WritesACaTheProxyLoads_AndNeverReplacesIt()
    {
        var directory = Path.Combine(_site.FullName, "proxy-ca");
        var environment = new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" };

        var (exitCode, output, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["create-ca", directory], environment);

        Assert.Equal((0, string.Empty), (exitCode, errors));
        var certificate = Path.Combine(directory, "ca.pem");
        var key = Path.Combine(directory, "ca.key");
        Assert.Equal($"Wrote {certificate} (give it to clients to trust) and {key} (the CA's private key: readable by its owner only, keep it secret).",
            output.Trim());
        using (var ca = X509Certificate2.CreateFromPemFile(certificate, key))
        {
            Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        }
        var (validateExit, validateOutput, validateErrors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot,
            ["validate-config", "--ForwardProxy:Url=http://127.0.0.1:3128", $"--ForwardProxy:CaCertificate={certificate}", $"--ForwardProxy:CaKey={key}"], environment);
        Assert.True(validateExit == 0, validateOutput + validateErrors);

        var before = await File.ReadAllTextAsync(key);
        var (againExit, _, againErrors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["create-ca", directory], environment);
        Assert.Equal(1, againExit);
        Assert.StartsWith($"Could not create the CA in \"{directory}\":", againErrors, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(key));
    }

    [Fact]
    public void Startup_ProxyOnWithoutItsCa_RefusedWithTheProblem()
    {
        var failure = GatewayFactory.StartupFailure(new Dictionary<string, string?> { ["ForwardProxy:Url"] = "http://127.0.0.1:0" });

        Assert.Contains("ForwardProxy:CaCertificate and ForwardProxy:CaKey (PEM files; `create-ca <dir>` writes a pair) are required when ForwardProxy:Url is set.",
            failure.Problems);
    }
}
