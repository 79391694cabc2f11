using System.Buffers;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace ModelGateway.Library;

/// <summary>
/// Blobs as objects <c>sha256/&lt;first two hex digits&gt;/&lt;sha256&gt;</c> in an S3-compatible bucket, addressed path-style
/// (MinIO, Ceph RGW, SeaweedFS and AWS all take it). A write is a multipart upload straight to the final key, completed
/// only once the bytes verified (<see cref="BlobWrite"/>): an unfinished upload is no object, so a kill mid-fill leaves
/// nothing visible; <see cref="CleanUpAsync"/> aborts such uploads where the server lists them (a bucket lifecycle rule
/// <c>AbortIncompleteMultipartUpload</c> does it too). Request bodies are sent whole (<c>UseChunkEncoding = false</c>) and
/// checksums only where S3 requires them: S3-compatible servers store <c>aws-chunked</c> framing as if it were data.
/// </summary>
internal sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>Parts of 8 MiB (S3's minimum is 5 MiB; 10,000 parts cover 80 GiB). Two in memory per running fill.</summary>
    public const int PartBytes = 8 * 1024 * 1024;

    private const string Prefix = "sha256/";
    private const int VisibilityChecks = 100;
    private static readonly TimeSpan VisibilityInterval = TimeSpan.FromMilliseconds(50);
    private const string ProbeKey = "tmp/writable-probe";

    private readonly AmazonS3Client _client;
    private readonly string _bucket;

    public S3BlobStore(LibraryS3Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bucket = options.Bucket!;
        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 2,
            Timeout = TimeSpan.FromSeconds(30),
        });
    }

    public string Kind => "s3";

    public long? FreeSpaceBytes => null;

    public static string KeyOf(string sha256) => $"{Prefix}{sha256[..2]}/{sha256}";

    public async Task<long?> GetLengthAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            var metadata = await _client.GetObjectMetadataAsync(_bucket, KeyOf(sha256), cancellationToken);
            return metadata.ContentLength;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<Stream?> OpenReadAsync(string sha256, long offset, long? length, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = KeyOf(sha256) };
        if (offset > 0 || length is not null)
        {
            if (length == 0)
            {
                return new MemoryStream([], writable: false);
            }
            request.ByteRange = length is { } count ? new ByteRange(offset, offset + count - 1) : new ByteRange($"bytes={offset}-");
        }
        try
        {
            var response = await _client.GetObjectAsync(request, cancellationToken);
            return new BoundedReadStream(response.ResponseStream, response.ContentLength, owner: response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<BlobWrite> BeginWriteAsync(string sha256, long? expectedLength, CancellationToken cancellationToken)
    {
        var upload = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = KeyOf(sha256),
            ContentType = "application/octet-stream",
        }, cancellationToken);
        return new MultipartWrite(this, sha256, expectedLength, upload.UploadId);
    }

    public Task TouchAsync(string sha256, DateTimeOffset usedAt, CancellationToken cancellationToken) => Task.CompletedTask; // objects are immutable

    public async Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        if (await GetLengthAsync(sha256, cancellationToken) is null)
        {
            return false;
        }
        await _client.DeleteObjectAsync(_bucket, KeyOf(sha256), cancellationToken);
        return true;
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = Prefix };
        while (true)
        {
            var page = await _client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                var name = item.Key[(item.Key.LastIndexOf('/') + 1)..];
                if (Sha256Key.IsValid(name) && item.Key == KeyOf(name))
                {
                    yield return new StoredBlob(name, item.Size ?? 0, item.LastModified is { } modified
                        ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch);
                }
            }
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async Task<int> CleanUpAsync(Func<string, Task<bool>> isFilling, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isFilling);
        ListMultipartUploadsResponse uploads;
        try
        {
            uploads = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = Prefix }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed)
        {
            return 0; // the server keeps no list to clean (unfinished uploads are never visible either way)
        }
        var aborted = 0;
        foreach (var upload in uploads.MultipartUploads ?? [])
        {
            var name = upload.Key[(upload.Key.LastIndexOf('/') + 1)..];
            if (Sha256Key.IsValid(name) && await isFilling(name))
            {
                continue;
            }
            await _client.AbortMultipartUploadAsync(_bucket, upload.Key, upload.UploadId, cancellationToken);
            aborted++;
        }
        return aborted;
    }

    public async Task<string?> CheckWritableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket,
                Key = ProbeKey,
                ContentBody = "probe",
                UseChunkEncoding = false,
            }, cancellationToken);
            return null;
        }
        catch (AmazonS3Exception ex)
        {
            return $"The library bucket cannot be written: {(int)ex.StatusCode} {ex.ErrorCode}.";
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or IOException or TaskCanceledException)
        {
            return $"The library bucket cannot be reached ({ex.GetType().Name}).";
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// A multipart upload fed in parts of <see cref="PartBytes"/>: a full part is uploaded while the next one fills, so
    /// the writer waits on the bucket only when it is slower than the download.
    /// </summary>
    private sealed class MultipartWrite(S3BlobStore store, string sha256, long? expectedLength, string uploadId)
        : BlobWrite(sha256, expectedLength)
    {
        private readonly List<PartETag> _parts = [];
        private byte[] _filling = ArrayPool<byte>.Shared.Rent(PartBytes);
        private byte[]? _uploadingBuffer;
        private int _filled;
        private Task? _uploading;
        private bool _aborted;

        protected override async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
        {
            while (!chunk.IsEmpty)
            {
                var take = Math.Min(chunk.Length, PartBytes - _filled);
                chunk[..take].CopyTo(_filling.AsMemory(_filled));
                _filled += take;
                chunk = chunk[take..];
                if (_filled == PartBytes)
                {
                    await FlushPartAsync(cancellationToken);
                }
            }
        }

        protected override async Task PublishAsync(CancellationToken cancellationToken)
        {
            if (_filled > 0 || _parts.Count == 0 && _uploading is null)
            {
                await FlushPartAsync(cancellationToken);
            }
            if (_uploading is not null)
            {
                await _uploading;
            }
            await store._client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = store._bucket,
                Key = KeyOf(Sha256),
                UploadId = uploadId,
                PartETags = [.. _parts.OrderBy(p => p.PartNumber)],
            }, cancellationToken);
            await WaitUntilReadableAsync(cancellationToken);
        }

        /// <summary>
        /// The object is published once a read sees all of it: S3 reads after a write are consistent (one HEAD), but some
        /// S3-compatible servers assemble the parts in place after answering, and a reader must not see that half-written.
        /// </summary>
        private async Task WaitUntilReadableAsync(CancellationToken cancellationToken)
        {
            for (var attempt = 0; attempt < VisibilityChecks; attempt++)
            {
                if (await store.GetLengthAsync(Sha256, cancellationToken) == Written)
                {
                    return;
                }
                await Task.Delay(VisibilityInterval, cancellationToken);
            }
            throw new IOException($"The bucket did not show all {Written} bytes of the completed object.");
        }

        protected override async Task AbortAsync()
        {
            if (_aborted)
            {
                return;
            }
            _aborted = true;
            if (_uploading is not null)
            {
                try
                {
                    await _uploading;
                }
#pragma warning disable CA1031 // the upload is aborted either way
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
            try
            {
                await store._client.AbortMultipartUploadAsync(store._bucket, KeyOf(Sha256), uploadId);
            }
            catch (AmazonS3Exception)
            {
                // a server without abort (s3rver): the unfinished upload is never an object either way
            }
        }

        protected override ValueTask ReleaseAsync()
        {
            ArrayPool<byte>.Shared.Return(_filling);
            if (_uploadingBuffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_uploadingBuffer);
                _uploadingBuffer = null;
            }
            return ValueTask.CompletedTask;
        }

        private async Task FlushPartAsync(CancellationToken cancellationToken)
        {
            if (_uploading is not null)
            {
                await _uploading; // at most one part in flight
            }
            var buffer = _filling;
            var length = _filled;
            var number = _parts.Count + 1;
            _filling = _uploadingBuffer ?? ArrayPool<byte>.Shared.Rent(PartBytes);
            _uploadingBuffer = buffer;
            _filled = 0;
            _uploading = UploadPartAsync(buffer, length, number, cancellationToken);
        }

        private async Task UploadPartAsync(byte[] buffer, int length, int number, CancellationToken cancellationToken)
        {
            using var body = new MemoryStream(buffer, 0, length, writable: false);
            var response = await store._client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = store._bucket,
                Key = KeyOf(Sha256),
                UploadId = uploadId,
                PartNumber = number,
                InputStream = body,
                PartSize = length,
                UseChunkEncoding = false,
            }, cancellationToken);
            _parts.Add(new PartETag(number, response.ETag));
        }
    }
}
