using System.Net;
using ModelGateway.Egress;

namespace ModelGateway.UnitTests.Egress;

public sealed class EgressBodyTests
{
    [Fact]
    public async Task ReadBoundedAsync_ConnectionLostMidBody_TruncatedBody()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new TruncatedStream()) };

        var ex = await Assert.ThrowsAsync<EgressException>(() => EgressBody.ReadBoundedAsync(response, 1024, CancellationToken.None));

        Assert.Equal(EgressFailure.TruncatedBody, ex.Failure);
    }

    [Fact]
    public async Task ReadBoundedAsync_DeclaredLengthTooLarge_FailsWithoutReading()
    {
        var body = new ThrowingStream();
        using var response = new HttpResponseMessage { Content = new StreamContent(body) };
        response.Content.Headers.ContentLength = 50_000_000;

        var ex = await Assert.ThrowsAsync<EgressException>(() => EgressBody.ReadBoundedAsync(response, 4096, CancellationToken.None));

        Assert.Equal(EgressFailure.BodyTooLarge, ex.Failure);
        Assert.False(body.WasRead);
    }

    [Fact]
    public async Task ReadHeadAsync_LongBody_ReadsOnlyTheHead()
    {
        using var response = new HttpResponseMessage { Content = new ByteArrayContent(new byte[100_000]) };

        var head = await EgressBody.ReadHeadAsync(response, 10, CancellationToken.None);

        Assert.Equal(10, head.Length);
    }

    // Not seekable, so no Content-Length is announced: what a chunked answer cut short looks like.
    private sealed class TruncatedStream : MemoryStream
    {
        public TruncatedStream()
            : base(new byte[10])
        {
        }

        public override bool CanSeek => false;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position < Length ? base.ReadAsync(buffer, cancellationToken) : throw new IOException("The response ended prematurely.");
    }

    private sealed class ThrowingStream : MemoryStream
    {
        public bool WasRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            WasRead = true;
            throw new InvalidOperationException("must not be read");
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WasRead = true;
            throw new InvalidOperationException("must not be read");
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            WasRead = true;
            throw new InvalidOperationException("must not be read");
        }
    }
}
