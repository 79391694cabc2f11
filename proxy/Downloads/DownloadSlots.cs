using System.Threading.RateLimiting;

namespace ModelGateway.Downloads;

/// <summary>
/// The streams each caller holds open on this replica (<c>Downloads:MaxConcurrentPerKey</c>): a partitioned
/// <see cref="ConcurrencyLimiter"/>, as <c>Assets/ProbeLimiter</c> bounds probes. A slot is taken before the file host
/// is asked for the bytes and given back when the stream ends, however it ends.
/// </summary>
internal sealed class DownloadSlots : IDisposable
{
    // Partitioned by caller and limit: a live change of the limit applies to the streams opened after it.
    private readonly PartitionedRateLimiter<(string Caller, int Limit)> _open = PartitionedRateLimiter.Create<(string Caller, int Limit), (string, int)>(
        key => RateLimitPartition.GetConcurrencyLimiter(key, k => new ConcurrencyLimiterOptions { PermitLimit = k.Item2, QueueLimit = 0 }));

    /// <summary>A slot for <paramref name="caller"/> (disposing it gives it back, once), or null when it already holds <paramref name="limit"/> streams.</summary>
    public IDisposable? TryTake(string caller, int limit)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var lease = _open.AttemptAcquire((caller, limit));
        if (lease.IsAcquired)
        {
            return lease;
        }
        lease.Dispose();
        return null;
    }

    public void Dispose() => _open.Dispose();
}
