using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Hosting;

public sealed class StartupValidationTests
{
    private static IReadOnlyList<string> StartAndCollectProblems(Dictionary<string, string?> settings)
    {
        var failure = GatewayFactory.StartupFailure(settings);
        Assert.NotEmpty(failure.Problems);
        return failure.Problems;
    }

    [Fact]
    public void Start_SeveralBadSettings_EveryProblemReportedAtOnce()
    {
        var problems = StartAndCollectProblems(new Dictionary<string, string?>
        {
            ["ApiKeys:0:KeySha256"] = "not-a-hash",
            ["Policy:AllowedFormats:0"] = "SafeTensors",
            ["Policy:MaxSizeBytes"] = "-1",
            ["Sources:CivitAI:BaseUrl"] = "civitai.com/no-scheme",
        });

        Assert.Contains(problems, p => p.StartsWith("ApiKeys:0:KeySha256", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Policy:AllowedFormats:0: unknown format \"SafeTensors\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Policy:MaxSizeBytes:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Sources:CivitAI:BaseUrl:", StringComparison.Ordinal));
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void Start_ProblemsAcrossSections_AllListed()
    {
        var problems = StartAndCollectProblems(new Dictionary<string, string?>
        {
            ["ApiKeys:1:KeySha256"] = "ABC",
            ["ApiKeys:1:Policy"] = "no-such-profile",
            ["PolicyProfiles:strict:MaxSizeBytes"] = "-5",
            ["PolicyProfiles:strict:AllowedFormats:0"] = "Pickle",
            ["Policy:AllowedHosts:0"] = "*",
            ["Policy:AllowedModelTypes:0"] = "wildcards",
            ["Sources:HuggingFace:BaseUrl"] = "ftp://huggingface.co",
            ["Egress:TimeoutSeconds"] = "0",
        });

        string[] expectedPrefixes =
        [
            "ApiKeys:1:KeySha256",
            "ApiKeys:1:Policy",
            "PolicyProfiles:strict:MaxSizeBytes:",
            "PolicyProfiles:strict:AllowedFormats:0:",
            "Policy:AllowedHosts:0:",
            "Policy:AllowedModelTypes:0:",
            "Sources:HuggingFace:BaseUrl:",
            "Egress:TimeoutSeconds",
        ];
        foreach (var prefix in expectedPrefixes)
        {
            Assert.Contains(problems, p => p.StartsWith(prefix, StringComparison.Ordinal));
        }
        Assert.Equal(expectedPrefixes.Length, problems.Count);
    }

    [Fact]
    public void Start_BadReverseProxyAndBadOptions_BothListed()
    {
        var problems = StartAndCollectProblems(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:civitai:AuthorizationPolicy"] = "NoSuchPolicy",
            ["ApiKeys:0:KeySha256"] = "not-a-hash",
            ["Policy:MaxSizeBytes"] = "-1",
        });

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("ApiKeys:0:KeySha256", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Policy:MaxSizeBytes:", StringComparison.Ordinal));
        Assert.Contains("ReverseProxy: Authorization policy 'NoSuchPolicy' not found for route 'civitai'.", problems);
    }

    [Fact]
    public void Start_ValueOfWrongType_NamedInsteadOfCrash()
    {
        var problem = Assert.Single(StartAndCollectProblems(new Dictionary<string, string?> { ["Policy:MaxSizeBytes"] = "lots" }));

        Assert.StartsWith("Failed to convert configuration value 'lots' at 'Policy:MaxSizeBytes'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_ValueOfWrongTypeAndBadReverseProxy_BothListed()
    {
        var problems = StartAndCollectProblems(new Dictionary<string, string?>
        {
            ["Egress:TimeoutSeconds"] = "ten",
            ["ReverseProxy:Routes:civitai:AuthorizationPolicy"] = "NoSuchPolicy",
        });

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("Failed to convert configuration value 'ten' at 'Egress:TimeoutSeconds'", problems[0], StringComparison.Ordinal);
        Assert.Equal("ReverseProxy: Authorization policy 'NoSuchPolicy' not found for route 'civitai'.", problems[1]);
    }

    [Fact]
    public void Start_BadReverseProxyOnly_Listed()
    {
        var problem = Assert.Single(StartAndCollectProblems(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:civitai:AuthorizationPolicy"] = "NoSuchPolicy",
        }));

        Assert.Equal("ReverseProxy: Authorization policy 'NoSuchPolicy' not found for route 'civitai'.", problem);
    }

    [Theory]
    [InlineData("Sources:CivitAI:BaseUrl", "not a url", "not a url")]
    [InlineData("Sources:CivitAI:BaseUrl", "/relative/path", "/relative/path")]
    [InlineData("Sources:CivitAI:BaseUrl", "https://user:secret@civitai.com", "https://***@civitai.com")] // never echo a password
    [InlineData("Sources:HuggingFace:BaseUrl", "file:///srv/models", "file:///srv/models")]
    [InlineData("Sources:Mirror:BaseUrl", "ftp://mirror.example.com", "ftp://mirror.example.com")] // a section no named source reads
    public void Start_MalformedBaseUrl_Refused(string key, string value, string shown)
    {
        var problem = Assert.Single(StartAndCollectProblems(new Dictionary<string, string?> { [key] = value }));

        Assert.Equal($"{key}: \"{shown}\" is not an absolute http(s) URL without credentials.", problem);
    }

    [Fact]
    public void Start_BadSourceHost_Refused()
    {
        var problem = Assert.Single(StartAndCollectProblems(new Dictionary<string, string?> { ["Sources:CivitAI:Hosts:5"] = "not a host" }));

        Assert.Equal("Sources:CivitAI:Hosts:5: \"not a host\" is not a host name.", problem);
    }

    [Fact]
    public async Task Process_BadSettings_ExitsOneListingEveryProblemOnStandardError()
    {
        var (exitCode, output, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["ApiKeys__0__Name"] = "team",
            ["ApiKeys__0__KeySha256"] = "not-a-hash",
            ["Policy__AllowedFormats__0"] = "SafeTensors",
            ["Policy__MaxSizeBytes"] = "-1",
            ["Sources__CivitAI__BaseUrl"] = "civitai.com/no-scheme",
        });

        Assert.Equal(1, exitCode);
        Assert.Contains("The gateway's configuration is invalid (4 problem(s)):", errors, StringComparison.Ordinal);
        Assert.Contains("  - ApiKeys:0:KeySha256 must be", errors, StringComparison.Ordinal);
        Assert.Contains("  - Policy:AllowedFormats:0: unknown format \"SafeTensors\"", errors, StringComparison.Ordinal);
        Assert.Contains("  - Policy:MaxSizeBytes: must be 0", errors, StringComparison.Ordinal);
        Assert.Contains("  - Sources:CivitAI:BaseUrl: \"civitai.com/no-scheme\" is not", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_MalformedRedisConnectionString_ListedWithoutEchoingIt()
    {
        var problem = Assert.Single(StartAndCollectProblems(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = "127.0.0.1:6379,password=hunter2,connectTimeout=soon",
        }));

        Assert.Equal("ConnectionStrings:Redis is not a valid StackExchange.Redis connection string (e.g. \"redis:6379,password=…\").", problem);
    }

    [Fact]
    public async Task Process_StartedWhereThereIsNoConfigFolder_ExitsOneNamingTheMissingFile()
    {
        var elsewhere = Directory.CreateTempSubdirectory("gateway-no-config-");
        try
        {
            var (exitCode, _, errors) = await GatewayProcess.RunAsync(elsewhere.FullName, []);

            Assert.Equal(1, exitCode);
            Assert.Contains("The gateway's configuration is invalid (1 problem(s)):", errors, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(elsewhere.FullName, "config", "appsettings.json"), errors, StringComparison.Ordinal);
            Assert.Contains("Start the gateway from the repository root", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    [Fact]
    public void Start_ShippedConfigWithTestKeys_Starts()
    {
        using var gateway = new GatewayFactory();

        using var client = gateway.CreateClient();

        Assert.NotNull(client);
    }
}
