namespace ModelGateway.AssetLibrary;

internal sealed partial class AssetRepository
{
    private sealed class BlobRow
    {
        public string Sha256 { get; set; } = "";

        public long Size { get; set; }

        public string? MimeType { get; set; }

        public string Kind { get; set; } = BlobKinds.File;

        public string Facts { get; set; } = "{}";

        public string CreatedBy { get; set; } = "";

        public long CreatedAt { get; set; }

        public BlobRecord ToRecord() =>
            new(Sha256, Size, MimeType, Kind, RecordJson.DeserializeFacts(Facts), CreatedBy, RecordJson.FromUnix(CreatedAt));
    }

    private sealed class AssetRow
    {
        public string Id { get; set; } = "";

        public string Sha256 { get; set; } = "";

        public string Name { get; set; } = "";

        public string? MimeType { get; set; }

        public string UserMetadata { get; set; } = "{}";

        public string? PreviewId { get; set; }

        public string? SourceUrl { get; set; }

        public string CreatedBy { get; set; } = "";

        public long CreatedAt { get; set; }

        public long UpdatedAt { get; set; }

        public long LastAccessTime { get; set; }

        public long Size { get; set; }

        public string? BlobMimeType { get; set; }

        public string Kind { get; set; } = BlobKinds.File;

        public string Facts { get; set; } = "{}";

        public string BlobCreatedBy { get; set; } = "";

        public long BlobCreatedAt { get; set; }

        public AssetRecord ToRecord(IReadOnlyList<string> tags, Dictionary<string, Policies.AssetFacts>? parsed = null)
        {
            Policies.AssetFacts facts;
            if (parsed is null)
            {
                facts = RecordJson.DeserializeFacts(Facts);
            }
            else if (!parsed.TryGetValue(Sha256, out facts!))
            {
                facts = RecordJson.DeserializeFacts(Facts);
                parsed[Sha256] = facts;
            }
            return new AssetRecord
            {
                Id = Guid.Parse(Id),
                Blob = new BlobRecord(Sha256, Size, BlobMimeType, Kind, facts, BlobCreatedBy, RecordJson.FromUnix(BlobCreatedAt)),
                Name = Name,
                MimeType = MimeType,
                Tags = tags,
                UserMetadata = RecordJson.DeserializeObject(UserMetadata),
                PreviewId = PreviewId is null ? null : Guid.Parse(PreviewId),
                SourceUrl = SourceUrl,
                CreatedBy = CreatedBy,
                CreatedAt = RecordJson.FromUnix(CreatedAt),
                UpdatedAt = RecordJson.FromUnix(UpdatedAt),
                LastAccessTime = RecordJson.FromUnix(LastAccessTime),
            };
        }
    }
}
