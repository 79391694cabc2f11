using ModelGateway.Library;

namespace ModelGateway.IntegrationTests.Library;

/// <summary>The S3 store against a real s3rver on loopback: the contract, and no object from an unfinished upload.</summary>
public sealed class S3BlobStoreTests(S3ServerFixture server) : BlobStoreContract, IClassFixture<S3ServerFixture>, IDisposable
{
    private readonly S3BlobStore _store = new(server.Options());

    private protected override IBlobStore Store => _store;

    [Fact]
    public async Task Write_Published_IsTheObjectUnderItsHash()
    {
        var bytes = Bytes(5000, seed: 30);
        var sha256 = Sha256(bytes);

        await WriteAsync(sha256, bytes, bytes.Length);

        Assert.Equal("sha256/" + sha256[..2] + "/" + sha256, S3BlobStore.KeyOf(sha256));
        Assert.Contains(server.StoredFiles(), f => f.Replace('\\', '/').Contains("sha256/" + sha256[..2] + "/" + sha256, StringComparison.Ordinal));
    }

    public void Dispose() => _store.Dispose();

    private protected override Task AssertNoLeftoversAsync()
    {
        // s3rver writes an object's file only on completion; uploaded parts live elsewhere and are never listed.
        return Task.CompletedTask;
    }
}
