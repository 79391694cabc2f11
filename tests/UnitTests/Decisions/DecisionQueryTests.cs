using ModelGateway.Decisions;
using ModelGateway.Telemetry;

namespace ModelGateway.UnitTests.Decisions;

public sealed class DecisionQueryTests
{
    [Fact]
    public void Parse_Nothing_DefaultLimitNoFilter()
    {
        Assert.Equal(new DecisionQuery(null, null, 100), DecisionQuery.Parse(null, "", null, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("0", "limit must be a whole number from 1 to 1000.")]
    [InlineData("1001", "limit must be a whole number from 1 to 1000.")]
    [InlineData("-5", "limit must be a whole number from 1 to 1000.")]
    [InlineData("1e3", "limit must be a whole number from 1 to 1000.")]
    public void Parse_LimitOutOfRange_Problem(string limit, string expected)
    {
        Assert.Null(DecisionQuery.Parse(null, null, limit, out var problem));
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void Parse_UnknownOutcome_ProblemListsTheOutcomes()
    {
        Assert.Null(DecisionQuery.Parse(null, "Allowed", null, out var problem));
        Assert.Equal("outcome must be one of allowed, refused, failed.", problem);
    }

    [Fact]
    public void Matches_KeyInAnyCaseAndExactOutcome()
    {
        var query = DecisionQuery.Parse("Team-A", "refused", "5", out _)!;
        var refused = new AuditEvent { Kind = "metadata", KeyName = "team-a", Outcome = AuditOutcomes.Refused, StatusCode = 200 };

        Assert.True(query.Matches(refused));
        Assert.False(query.Matches(refused with { KeyName = "team-b" }));
        Assert.False(query.Matches(refused with { Outcome = AuditOutcomes.Allowed }));
    }
}
