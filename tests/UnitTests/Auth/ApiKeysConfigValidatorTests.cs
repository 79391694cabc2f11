using Microsoft.Extensions.Configuration;
using ModelGateway.Auth;

namespace ModelGateway.UnitTests.Auth;

public sealed class ApiKeysConfigValidatorTests
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string OtherHash = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        var problems = new List<string>();
        new ApiKeysConfigValidator().Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        return problems;
    }

    [Fact]
    public void Validate_EntryWithoutName_NameRequired()
    {
        Assert.Equal(["ApiKeys:0:Name is required."], Problems(new() { ["ApiKeys:0:KeySha256"] = Hash }));
    }

    [Fact]
    public void Validate_OneNameOnTwoKeys_InAnyCase_NamedOnce()
    {
        Assert.Equal(["ApiKeys: the name \"team\" is used by more than one key."], Problems(new()
        {
            ["ApiKeys:0:Name"] = "team",
            ["ApiKeys:0:KeySha256"] = Hash,
            ["ApiKeys:1:Name"] = "TEAM",
            ["ApiKeys:1:KeySha256"] = OtherHash,
        }));
    }

    [Fact]
    public void Validate_CompleteDistinctEntries_NoProblem()
    {
        Assert.Empty(Problems(new()
        {
            ["ApiKeys:0:Name"] = "a",
            ["ApiKeys:0:KeySha256"] = Hash,
            ["ApiKeys:1:Name"] = "b",
            ["ApiKeys:1:KeySha256"] = OtherHash,
            ["ApiKeys:1:PermitLimit"] = "5",
        }));
    }

    [Fact]
    public void Validate_OneHashOnTwoKeys_InAnyCase_Refused()
    {
        Assert.Equal(["ApiKeys: the keys \"a\", \"b\" have the same KeySha256: one key would act as whichever comes first."], Problems(new()
        {
            ["ApiKeys:0:Name"] = "a",
            ["ApiKeys:0:KeySha256"] = Hash,
            ["ApiKeys:1:Name"] = "b",
            ["ApiKeys:1:KeySha256"] = Hash.ToUpperInvariant(),
        }));
    }

    [Fact]
    public void Validate_EntryFromTwoLayers_Refused_EntriesInTheirOwnLayersAccepted()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ApiKeys:0:Name"] = "a", ["ApiKeys:0:KeySha256"] = Hash, ["ApiKeys:1:Name"] = "b" })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ApiKeys:1:KeySha256"] = OtherHash, ["ApiKeys:2:Name"] = "c", ["ApiKeys:2:KeySha256"] = "c".PadLeft(64, 'c') })
            .Build();
        var problems = new List<string>();

        new ApiKeysConfigValidator().Validate(configuration, problems);

        Assert.Equal(["ApiKeys:1 is set by more than one configuration layer (MemoryConfigurationProvider, MemoryConfigurationProvider): layers merge by index, so the "
            + "entry would take fields (its name, hash or policy) from another's key. Give each key one whole entry, in one layer, at an "
            + "index no other layer uses."], problems);
    }
}
