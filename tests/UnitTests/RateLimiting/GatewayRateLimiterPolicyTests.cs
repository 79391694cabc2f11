using Microsoft.AspNetCore.Http;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;

namespace ModelGateway.UnitTests.RateLimiting;

public sealed class GatewayRateLimiterPolicyTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GetPartition_PermittedDecision_LeaseAcquired()
    {
        var context = WithDecision(new RateLimitDecision(RateLimitOutcome.Permitted, 5, Minute, 4, Minute));

        using var lease = await new GatewayRateLimiterPolicy().GetPartition(context).Factory(true).AcquireAsync();

        Assert.True(lease.IsAcquired);
    }

    [Theory]
    [InlineData(nameof(RateLimitOutcome.Limited))]
    [InlineData(nameof(RateLimitOutcome.StoreUnavailable))]
    public void GetPartition_RefusedDecision_LeaseRefused(string outcome)
    {
        var context = WithDecision(new RateLimitDecision(Enum.Parse<RateLimitOutcome>(outcome), 5, Minute, 0, TimeSpan.FromSeconds(3)));
        var partition = new GatewayRateLimiterPolicy().GetPartition(context);

        using var lease = partition.Factory(partition.PartitionKey).AttemptAcquire();

        Assert.False(lease.IsAcquired);
    }

    [Fact]
    public void GetPartition_NoDecision_ThrowsNamingTheMissingStep()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new GatewayRateLimiterPolicy().GetPartition(new DefaultHttpContext()));

        Assert.Contains("UseGatewayRateLimiter()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejection_Limited_429RateLimitedWithLimitAndRetry() =>
        Assert.Equal(
            (429, new ErrorResponse("RATE_LIMITED", "Too many requests: the limit is 4 per 60 seconds. Retry after 13 seconds.")),
            GatewayRateLimiterPolicy.Rejection(new RateLimitDecision(RateLimitOutcome.Limited, 4, Minute, 0, TimeSpan.FromSeconds(12.1))));

    [Fact]
    public void Rejection_StoreUnavailable_503ServiceUnavailable() =>
        Assert.Equal(
            (503, new ErrorResponse("SERVICE_UNAVAILABLE", "The rate limit store is unreachable, so requests are refused for now. Retry after 1 seconds.")),
            GatewayRateLimiterPolicy.Rejection(RateLimitDecision.Unavailable(4, Minute, TimeSpan.Zero)));

    private static DefaultHttpContext WithDecision(RateLimitDecision decision)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(decision);
        return context;
    }
}
