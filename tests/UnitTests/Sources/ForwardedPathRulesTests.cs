using ModelGateway.Sources;
using ModelGateway.Sources.CivitAi;
using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.UnitTests.Sources;

/// <summary>The sources' forwarded-path rules: the read allow-lists exactly, and file paths in every disguise.</summary>
public sealed class ForwardedPathRulesTests
{
    private static readonly HuggingFaceForwardedPaths HuggingFace = new();
    private static readonly CivitAiForwardedPaths CivitAi = new();

    [Theory]
    [InlineData("GET", "/api/models", "api/models")]
    [InlineData("GET", "/api/datasets", "api/datasets")]
    [InlineData("GET", "/api/models/owner/repo", "api/models/{repo}")]
    [InlineData("HEAD", "/api/models/gpt2", "api/models/{repo}")]
    [InlineData("GET", "/api/spaces/owner/demo", "api/spaces/{repo}")]
    [InlineData("GET", "/api/models/owner/repo/revision/main", "api/models/{repo}/revision")]
    [InlineData("GET", "/api/models/owner/repo/revision/refs%2Fpr%2F1", "api/models/{repo}/revision")]
    [InlineData("GET", "/api/models/owner/repo/tree/main", "api/models/{repo}/tree")]
    [InlineData("GET", "/api/models/gpt2/tree/main/sub/dir", "api/models/{repo}/tree")]
    [InlineData("GET", "/api/datasets/owner/data/tree/main?recursive=true", "api/datasets/{repo}/tree")]
    [InlineData("POST", "/api/models/owner/repo/paths-info/main", "api/models/{repo}/paths-info")]
    [InlineData("GET", "/api/models/owner/repo/commits/main", "api/models/{repo}/commits")]
    [InlineData("GET", "/api/models/owner/repo/refs", "api/models/{repo}/refs")]
    public void HuggingFace_AllowListRead(string method, string path, string endpoint)
    {
        var read = HuggingFace.Classify(method, new Uri("https://huggingface.co" + path));

        Assert.Equal(ForwardedPathKind.Read, read.Kind);
        Assert.Equal(endpoint, read.Endpoint);
        Assert.Equal(endpoint.EndsWith("/tree", StringComparison.Ordinal) || endpoint.EndsWith("/paths-info", StringComparison.Ordinal)
            ? ["xetHash"] : [], read.StrippedJsonProperties);
    }

    [Theory]
    [InlineData("GET", "/owner/repo/resolve/main/x.safetensors")]
    [InlineData("GET", "/owner/repo/RESOLVE/main/x.safetensors")]
    [InlineData("GET", "/owner/repo//resolve/main/x.safetensors")]
    [InlineData("GET", "/owner/repo/resolve%2Fmain/x.safetensors")]
    [InlineData("GET", "/owner/repo/%2572esolve/main/x.safetensors")]
    [InlineData("GET", "/owner/repo/raw/main/x.safetensors")]
    [InlineData("GET", "/owner/repo/blob/main/x.safetensors")]
    [InlineData("GET", "/api/resolve-cache/models/owner/repo/abc/x.safetensors")]
    [InlineData("GET", "/API/RESOLVE-CACHE/models/owner/repo/abc/x.safetensors")]
    [InlineData("GET", "/api/models/owner/repo/resolve/main/x.safetensors")]
    [InlineData("POST", "/owner/repo/resolve/main/x.safetensors")]
    [InlineData("GET", "/owner/repo/resolve/main/x.safetensors/")]
    public void HuggingFace_FilePath(string method, string path)
    {
        Assert.Equal(ForwardedPathKind.File, HuggingFace.Classify(method, new Uri("https://huggingface.co" + path)).Kind);
    }

    [Theory]
    [InlineData("GET", "/api/models/owner/repo/xet-read-token/main")]
    [InlineData("POST", "/api/models/owner/repo/xet-write-token/main")]
    [InlineData("GET", "/api/models/owner/repo/XET-READ-TOKEN/main")]
    [InlineData("GET", "/api/models/owner/repo/xet-read-token%2Fmain")]
    public void HuggingFace_XetToken_RefusedWithACode(string method, string path)
    {
        var refused = HuggingFace.Classify(method, new Uri("https://huggingface.co" + path));

        Assert.Equal(ForwardedPathKind.Refused, refused.Kind);
        Assert.Equal("XET_NOT_SUPPORTED", refused.Refusal?.Code);
    }

    [Theory]
    [InlineData("DELETE", "/api/repos/delete")]
    [InlineData("POST", "/api/repos/create")]
    [InlineData("POST", "/api/models/owner/repo/commit/main")]
    [InlineData("POST", "/api/models/owner/repo/tree/main")]
    [InlineData("GET", "/api/models/owner/repo/paths-info/main")]
    [InlineData("GET", "/api/whoami-v2")]
    [InlineData("GET", "/api/models/owner/repo/")]
    [InlineData("GET", "/api//models/owner/repo")]
    [InlineData("GET", "/API/models/owner/repo")]
    [InlineData("GET", "/api/models/own%00er/repo")]
    [InlineData("GET", "/api/datasets/owner/data/parquet/default/train/0.parquet")]
    [InlineData("GET", "/owner/repo")]
    public void HuggingFace_Other(string method, string path)
    {
        Assert.Equal(ForwardedPathKind.Other, HuggingFace.Classify(method, new Uri("https://huggingface.co" + path)).Kind);
    }

    [Theory]
    [InlineData("GET", "/api/v1/models", "api/v1/models")]
    [InlineData("GET", "/api/v1/models/100", "api/v1/models/{id}")]
    [InlineData("HEAD", "/api/v1/model-versions/1001", "api/v1/model-versions/{id}")]
    [InlineData("GET", "/api/v1/modelVersions/1001", "api/v1/modelVersions/{id}")]
    [InlineData("GET", "/api/v1/model-versions/by-hash/A5F58EB1C3", "api/v1/model-versions/by-hash/{id}")]
    [InlineData("GET", "/api/v1/model-versions/mini/1001", "api/v1/model-versions/mini/{id}")]
    [InlineData("GET", "/api/v1/images?modelVersionId=1", "api/v1/images")]
    [InlineData("GET", "/api/v1/creators", "api/v1/creators")]
    [InlineData("GET", "/api/v1/tags", "api/v1/tags")]
    [InlineData("GET", "/api/v1/enums", "api/v1/enums")]
    public void CivitAi_AllowListRead(string method, string path, string endpoint)
    {
        var read = CivitAi.Classify(method, new Uri("https://civitai.com" + path));

        Assert.Equal((ForwardedPathKind.Read, endpoint), (read.Kind, read.Endpoint));
    }

    [Theory]
    [InlineData("GET", "/api/download/models/1002", "File")]
    [InlineData("GET", "/API/DOWNLOAD/models/1002", "File")]
    [InlineData("GET", "/api/download/models/x/1002", "File")]
    [InlineData("GET", "/api/download/training-data/1002", "File")]
    [InlineData("GET", "/api/download/attachments/5", "File")]
    [InlineData("GET", "/api%2Fdownload/models/1002", "File")]
    [InlineData("POST", "/api/v1/models/100", "Other")]
    [InlineData("POST", "/api/trpc/model.delete", "Other")]
    [InlineData("GET", "/api/trpc/model.getById", "Other")]
    [InlineData("GET", "/api/v1/models/100/", "Other")]
    [InlineData("GET", "/api/v1/models/1%2F2", "Other")]
    [InlineData("GET", "/models/100", "Other")]
    public void CivitAi_FilesAndOthers(string method, string path, string kind)
    {
        Assert.Equal(kind, CivitAi.Classify(method, new Uri("https://civitai.com" + path)).Kind.ToString());
    }
}
