using Microsoft.Extensions.Configuration;
using ModelGateway.Redis;

namespace ModelGateway.UnitTests.Redis;

public sealed class RedisConfigValidatorTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("redis:6379")]
    [InlineData("127.0.0.1:6379,password=p,abortConnect=false")]
    public void Validate_EmptyOrParseable_NoProblems(string? connectionString)
    {
        Assert.Empty(Problems(connectionString));
    }

    [Fact]
    public void Validate_Malformed_ListedWithoutEchoingIt()
    {
        var problem = Assert.Single(Problems("127.0.0.1:6379,password=hunter2,connectTimeout=soon"));

        Assert.Equal("ConnectionStrings:Redis is not a valid StackExchange.Redis connection string (e.g. \"redis:6379,password=…\").", problem);
    }

    private static List<string> Problems(string? connectionString)
    {
        var problems = new List<string>();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = connectionString }).Build();
        new RedisConfigValidator().Validate(configuration, problems);
        return problems;
    }
}
