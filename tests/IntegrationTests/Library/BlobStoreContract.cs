using System.Security.Cryptography;
using ModelGateway.Library;

namespace ModelGateway.IntegrationTests.Library;

/// <summary>
/// What every <see cref="IBlobStore"/> must do, run against each kind: a blob is visible only once its bytes hashed to
/// its name with the announced length; reads by range return exactly the stored bytes (re-hashed here: the S3 server is a
/// test server); a write that fails its checks or is dropped leaves nothing.
/// </summary>
public abstract class BlobStoreContract
{
    private protected abstract IBlobStore Store { get; }

    /// <summary>Bytes that are not zeros, so any byte out of place changes the hash.</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task Write_RightBytes_VisibleListedAndReadBack()
    {
        var bytes = Bytes(300_000, seed: 1);
        var sha256 = Sha256(bytes);

        var result = await WriteAsync(sha256, bytes, bytes.Length);

        Assert.Equal(new BlobWriteResult(Verified: true, Stored: true, sha256), result);
        Assert.Equal(bytes.Length, await Store.GetLengthAsync(sha256, default));
        Assert.Contains(await ListAsync(), b => b.Sha256 == sha256 && b.Length == bytes.Length);
        Assert.Equal(sha256, Sha256(await ReadAsync(sha256, 0, null)));
    }

    [Fact]
    public async Task Write_LargerThanAPart_ReadBackWhole()
    {
        var bytes = Bytes(S3BlobStore.PartBytes * 2 + 123_457, seed: 2); // three multipart parts, the last a short one

        var result = await WriteAsync(Sha256(bytes), bytes, bytes.Length, chunk: 100_000);

        Assert.True(result.Stored);
        Assert.Equal(Sha256(bytes), Sha256(await ReadAsync(Sha256(bytes), 0, null)));
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1000, 4096)]
    [InlineData(299_990, 10)]
    public async Task OpenRead_Range_ReturnsThatSlice(int offset, int count)
    {
        var bytes = Bytes(300_000, seed: 3);
        var sha256 = Sha256(bytes);
        await WriteAsync(sha256, bytes, bytes.Length);

        var slice = await ReadAsync(sha256, offset, count);

        Assert.Equal(bytes.AsSpan(offset, count).ToArray(), slice);
    }

    [Fact]
    public async Task OpenRead_FromOffsetToEnd_ReturnsTheTail()
    {
        var bytes = Bytes(50_000, seed: 4);
        var sha256 = Sha256(bytes);
        await WriteAsync(sha256, bytes, bytes.Length);

        Assert.Equal(bytes[40_000..], await ReadAsync(sha256, 40_000, null));
    }

    [Fact]
    public async Task Write_WrongBytes_NothingVisible()
    {
        var bytes = Bytes(100_000, seed: 5);
        var claimed = Sha256(Bytes(100_000, seed: 6));

        var result = await WriteAsync(claimed, bytes, bytes.Length);

        Assert.Equal(new BlobWriteResult(Verified: false, Stored: false, Sha256(bytes)), result);
        Assert.Null(await Store.GetLengthAsync(claimed, default));
        Assert.Null(await Store.OpenReadAsync(claimed, 0, null, default));
        Assert.DoesNotContain(await ListAsync(), b => b.Sha256 == claimed);
        await AssertNoLeftoversAsync();
    }

    [Fact]
    public async Task Write_RightHashWrongAnnouncedLength_NothingVisible()
    {
        var bytes = Bytes(100_000, seed: 7);
        var sha256 = Sha256(bytes);

        var result = await WriteAsync(sha256, bytes, bytes.Length + 1);

        Assert.False(result.Verified);
        Assert.Null(await Store.GetLengthAsync(sha256, default));
        await AssertNoLeftoversAsync();
    }

    [Fact]
    public async Task Write_DisposedBeforeComplete_NothingVisible()
    {
        var bytes = Bytes(S3BlobStore.PartBytes + 1000, seed: 8);
        var sha256 = Sha256(bytes);

        await using (var write = await Store.BeginWriteAsync(sha256, bytes.Length, default))
        {
            await write.WriteAsync(bytes.AsMemory(0, bytes.Length - 10), default);
        }

        Assert.Null(await Store.GetLengthAsync(sha256, default));
        Assert.DoesNotContain(await ListAsync(), b => b.Sha256 == sha256);
        await AssertNoLeftoversAsync();
    }

    [Fact]
    public async Task Delete_StoredBlob_GoneAndSecondDeleteFalse()
    {
        var bytes = Bytes(10_000, seed: 9);
        var sha256 = Sha256(bytes);
        await WriteAsync(sha256, bytes, bytes.Length);

        Assert.True(await Store.DeleteAsync(sha256, default));
        Assert.False(await Store.DeleteAsync(sha256, default));
        Assert.Null(await Store.GetLengthAsync(sha256, default));
    }

    [Fact]
    public async Task CheckWritable_WorkingStore_NoProblem()
    {
        Assert.Null(await Store.CheckWritableAsync(default));
    }

    private protected virtual Task AssertNoLeftoversAsync() => Task.CompletedTask;

    private protected async Task<BlobWriteResult> WriteAsync(string sha256, byte[] bytes, long? announced, int chunk = 65_536)
    {
        await using var write = await Store.BeginWriteAsync(sha256, announced, default);
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            await write.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)), default);
        }
        return await write.CompleteAsync(default);
    }

    private protected async Task<byte[]> ReadAsync(string sha256, long offset, long? count)
    {
        await using var stream = await Store.OpenReadAsync(sha256, offset, count, default);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task<List<StoredBlob>> ListAsync()
    {
        var blobs = new List<StoredBlob>();
        await foreach (var blob in Store.ListAsync(default))
        {
            blobs.Add(blob);
        }
        return blobs;
    }
}
