using Microsoft.Extensions.Configuration;
using ModelGateway.Hosting;

namespace ModelGateway.UnitTests.Hosting;

/// <summary>
/// The <c>config/</c> files as one layer: read in order, and an edit committed only when the candidate — the new files
/// under the app's later layers — passes the validator.
/// </summary>
public sealed class ConfigFilesProviderTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("gateway-config-files-");
    private readonly List<ConfigFilesChange> _changes = [];
    private readonly List<IConfiguration> _candidates = [];

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Load_LaterFileWins_OptionalFilesMayBeMissing()
    {
        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 1, "VerifyContent": true } }""");
        Write("appsettings.local.json", """{ "Policy": { "MaxSizeBytes": 2 } }""");

        using var root = Root(out _);

        Assert.Equal("2", root["Policy:MaxSizeBytes"]);
        Assert.Equal("True", root["Policy:VerifyContent"]);
    }

    [Fact]
    public void Load_RequiredFileMissingAndAnotherNotJson_EveryProblemNamed()
    {
        Write("appsettings.Testing.json", "{ \"Policy\": ");

        var ex = Assert.Throws<GatewayConfigurationException>(() => Root(out _));

        Assert.Equal(2, ex.Problems.Count);
        Assert.Equal($"The configuration file '{Path.Combine(_folder.FullName, "appsettings.json")}' was not found. Start the gateway from the repository root (or /app in the container), where config/ is.", ex.Problems[0]);
        Assert.StartsWith($"The configuration file '{Path.Combine(_folder.FullName, "appsettings.Testing.json")}' is not valid JSON: ", ex.Problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ValidEdit_CommittedWithTheChangedSectionsAndTheReloadTokenFires()
    {
        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 1 }, "Egress": { "TimeoutSeconds": 10 } }""");
        using var root = Root(out var provider);
        var reloaded = false;
        using var listening = root.GetReloadToken().RegisterChangeCallback(_ => reloaded = true, null);
        provider.StartWatching(root, Validate(_ => []), _changes.Add);

        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 5 }, "Egress": { "TimeoutSeconds": 10 }, "ApiKeys": [] }""");
        provider.Check();

        var change = Assert.Single(_changes);
        Assert.True(change.Applied);
        Assert.Equal(["ApiKeys", "Policy"], change.ChangedSections);
        Assert.Equal("5", root["Policy:MaxSizeBytes"]);
        Assert.True(reloaded);
        provider.StopWatching();
    }

    [Fact]
    public void Check_CandidateSeesTheLaterLayers_AnOverriddenBadValueIsNoProblem()
    {
        Write("appsettings.json", """{ "Egress": { "TimeoutSeconds": 10, "MaxRedirects": 5 } }""");
        using var root = Root(out var provider, new Dictionary<string, string?> { ["Egress:TimeoutSeconds"] = "7" });
        provider.StartWatching(root, Validate(c => c["Egress:TimeoutSeconds"] == "0" ? ["Egress:TimeoutSeconds must be between 1 and 300."] : []), _changes.Add);

        Write("appsettings.json", """{ "Egress": { "TimeoutSeconds": 0, "MaxRedirects": 3 } }""");
        provider.Check();

        var candidate = Assert.Single(_candidates);
        Assert.Equal("7", candidate["Egress:TimeoutSeconds"]); // the environment's value still wins over the file's
        Assert.Equal("3", candidate["Egress:MaxRedirects"]);
        Assert.True(Assert.Single(_changes).Applied);
        Assert.Equal("3", root["Egress:MaxRedirects"]);
        provider.StopWatching();
    }

    [Fact]
    public void Check_InvalidOrHalfSavedEdit_NothingCommittedNoReloadEveryProblemReported()
    {
        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 1 } }""");
        using var root = Root(out var provider);
        var reloads = 0;
        using var listening = root.GetReloadToken().RegisterChangeCallback(_ => reloads++, null);
        provider.StartWatching(root, Validate(_ => ["first problem", "second problem"]), _changes.Add);

        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 2 } }""");
        provider.Check();
        Write("appsettings.json", """{ "Policy": { "MaxSiz""");
        provider.Check();

        Assert.Equal(2, _changes.Count);
        Assert.All(_changes, c => Assert.False(c.Applied));
        Assert.Equal(["first problem", "second problem"], _changes[0].Problems);
        Assert.StartsWith("The configuration file ", Assert.Single(_changes[1].Problems), StringComparison.Ordinal);
        Assert.Single(_candidates); // the half-saved file never reached the validator
        Assert.Equal("1", root["Policy:MaxSizeBytes"]);
        Assert.Equal(0, reloads);
        provider.StopWatching();
    }

    [Fact]
    public void Check_RefusedFilesSeenAgain_RefusedOnce()
    {
        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 1 } }""");
        using var root = Root(out var provider);
        provider.StartWatching(root, Validate(_ => ["a problem"]), _changes.Add);

        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 2 } }""");
        provider.Check();
        provider.Check();
        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 3 } }""");
        provider.Check();

        Assert.Equal(2, _changes.Count);
        provider.StopWatching();
    }

    [Fact]
    public void Check_FilesTouchedButUnchanged_NothingReported()
    {
        Write("appsettings.json", """{ "Policy": { "MaxSizeBytes": 1 } }""");
        using var root = Root(out var provider);
        provider.StartWatching(root, Validate(_ => []), _changes.Add);

        Write("appsettings.json", """{ "Policy":   { "MaxSizeBytes": 1 } }""");
        provider.Check();

        Assert.Empty(_changes);
        Assert.Empty(_candidates);
        provider.StopWatching();
    }

    private Func<IConfiguration, IReadOnlyList<string>> Validate(Func<IConfiguration, IReadOnlyList<string>> problems) => candidate =>
    {
        _candidates.Add(new ConfigurationBuilder().AddInMemoryCollection(candidate.AsEnumerable()).Build());
        return problems(candidate);
    };

    private ConfigurationRoot Root(out ConfigFilesProvider provider, Dictionary<string, string?>? later = null)
    {
        var builder = new ConfigurationBuilder()
            .Add(new ConfigFilesSource(_folder.FullName,
                [new ConfigFile("appsettings.json", false), new ConfigFile("appsettings.Testing.json", true), new ConfigFile("appsettings.local.json", true)]))
            .AddInMemoryCollection(later ?? []);
        var root = (ConfigurationRoot)builder.Build();
        provider = root.Providers.OfType<ConfigFilesProvider>().Single();
        return root;
    }

    private void Write(string name, string json) => File.WriteAllText(Path.Combine(_folder.FullName, name), json);
}
