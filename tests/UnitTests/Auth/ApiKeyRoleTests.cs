using Microsoft.Extensions.Configuration;
using ModelGateway.Auth;

namespace ModelGateway.UnitTests.Auth;

/// <summary><c>ApiKeys:N:Role</c>: <c>Admin</c> (any case) or absent.</summary>
public sealed class ApiKeyRoleTests
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static List<string> Problems(string? role)
    {
        var problems = new List<string>();
        var settings = new Dictionary<string, string?> { ["ApiKeys:0:Name"] = "ops", ["ApiKeys:0:KeySha256"] = Hash, ["ApiKeys:0:Role"] = role };
        new ApiKeysConfigValidator().Validate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), problems);
        return problems;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Admin")]
    [InlineData("admin")]
    public void Validate_AdminOrNone_NoProblem(string? role)
    {
        Assert.Empty(Problems(role));
    }

    [Fact]
    public void Validate_OtherRole_NamedProblem()
    {
        Assert.Equal(["ApiKeys:0:Role must be Admin or absent; \"Root\" is not a role."], Problems("Root"));
    }
}
