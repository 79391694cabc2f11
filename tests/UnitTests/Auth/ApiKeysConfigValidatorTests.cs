using Microsoft.Extensions.Configuration;
using ModelGateway.Auth;

namespace ModelGateway.UnitTests.Auth;

public sealed class ApiKeysConfigValidatorTests
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

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
            ["ApiKeys:1:KeySha256"] = Hash.ToUpperInvariant(),
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
            ["ApiKeys:1:KeySha256"] = Hash,
            ["ApiKeys:1:PermitLimit"] = "5",
        }));
    }
}
