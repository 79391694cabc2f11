using ModelGateway.Primitives;
using ModelGateway.Sources.HuggingFace;

namespace ModelGateway.UnitTests.Sources.HuggingFace;

public sealed class HuggingFaceUrlTests
{
    [Theory]
    // resolve and blob, models
    [InlineData("https://huggingface.co/Comfy-Org/flux1-dev/resolve/main/flux1-dev-fp8.safetensors",
        nameof(HuggingFaceRepoType.Model), "Comfy-Org/flux1-dev", "main", "flux1-dev-fp8.safetensors",
        "https://huggingface.co/Comfy-Org/flux1-dev/resolve/main/flux1-dev-fp8.safetensors")]
    [InlineData("https://huggingface.co/Comfy-Org/flux1-dev/blob/main/flux1-dev-fp8.safetensors",
        nameof(HuggingFaceRepoType.Model), "Comfy-Org/flux1-dev", "main", "flux1-dev-fp8.safetensors",
        "https://huggingface.co/Comfy-Org/flux1-dev/resolve/main/flux1-dev-fp8.safetensors")]
    // hf.co alias, query and fragment dropped
    [InlineData("https://hf.co/owner/repo/resolve/main/model.safetensors?download=true",
        nameof(HuggingFaceRepoType.Model), "owner/repo", "main", "model.safetensors",
        "https://huggingface.co/owner/repo/resolve/main/model.safetensors")]
    [InlineData("https://huggingface.co/owner/repo/blob/main/model.safetensors?download=true#top",
        nameof(HuggingFaceRepoType.Model), "owner/repo", "main", "model.safetensors",
        "https://huggingface.co/owner/repo/resolve/main/model.safetensors")]
    // nested paths keep every folder
    [InlineData("https://huggingface.co/Comfy-Org/flux1-schnell/resolve/main/split_files/vae/ae.safetensors",
        nameof(HuggingFaceRepoType.Model), "Comfy-Org/flux1-schnell", "main", "split_files/vae/ae.safetensors",
        "https://huggingface.co/Comfy-Org/flux1-schnell/resolve/main/split_files/vae/ae.safetensors")]
    // datasets/ and spaces/ prefixes
    [InlineData("https://huggingface.co/datasets/owner/data/resolve/main/train/part-0.parquet",
        nameof(HuggingFaceRepoType.Dataset), "owner/data", "main", "train/part-0.parquet",
        "https://huggingface.co/datasets/owner/data/resolve/main/train/part-0.parquet")]
    [InlineData("https://huggingface.co/spaces/owner/demo/blob/main/weights/model.ckpt",
        nameof(HuggingFaceRepoType.Space), "owner/demo", "main", "weights/model.ckpt",
        "https://huggingface.co/spaces/owner/demo/resolve/main/weights/model.ckpt")]
    // percent-encoded and plain special refs, commit hashes
    [InlineData("https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors",
        nameof(HuggingFaceRepoType.Model), "owner/repo", "refs/pr/1", "model.safetensors",
        "https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F1/model.safetensors")]
    [InlineData("https://huggingface.co/owner/repo/resolve/refs/pr/12/model.safetensors",
        nameof(HuggingFaceRepoType.Model), "owner/repo", "refs/pr/12", "model.safetensors",
        "https://huggingface.co/owner/repo/resolve/refs%2Fpr%2F12/model.safetensors")]
    [InlineData("https://huggingface.co/datasets/owner/data/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet",
        nameof(HuggingFaceRepoType.Dataset), "owner/data", "refs/convert/parquet", "default/train/0000.parquet",
        "https://huggingface.co/datasets/owner/data/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet")]
    [InlineData("https://huggingface.co/owner/repo/resolve/0123456789abcdef0123456789abcdef01234567/model.gguf",
        nameof(HuggingFaceRepoType.Model), "owner/repo", "0123456789abcdef0123456789abcdef01234567", "model.gguf",
        "https://huggingface.co/owner/repo/resolve/0123456789abcdef0123456789abcdef01234567/model.gguf")]
    // percent-encoded file names are decoded, and re-encoded canonically
    [InlineData("https://huggingface.co/owner/repo/resolve/main/my%20model%20v2.safetensors",
        nameof(HuggingFaceRepoType.Model), "owner/repo", "main", "my model v2.safetensors",
        "https://huggingface.co/owner/repo/resolve/main/my%20model%20v2.safetensors")]
    // legacy single-segment repository ids
    [InlineData("https://huggingface.co/gpt2/resolve/main/model.safetensors",
        nameof(HuggingFaceRepoType.Model), "gpt2", "main", "model.safetensors",
        "https://huggingface.co/gpt2/resolve/main/model.safetensors")]
    [InlineData("https://huggingface.co/datasets/squad/resolve/main/plain_text/train.parquet",
        nameof(HuggingFaceRepoType.Dataset), "squad", "main", "plain_text/train.parquet",
        "https://huggingface.co/datasets/squad/resolve/main/plain_text/train.parquet")]
    public void Parse_AcceptedForm_ReturnsRepoRevisionPathAndCanonicalUrl(
        string url, string type, string repo, string revision, string path, string canonical)
    {
        var parsed = HuggingFaceUrl.Parse(new Uri(url));

        Assert.Equal(Enum.Parse<HuggingFaceRepoType>(type), parsed.RepoType);
        Assert.Equal(repo, parsed.RepoId);
        Assert.Equal(revision, parsed.Revision);
        Assert.Equal(path, parsed.FilePath);
        Assert.Equal(canonical, parsed.CanonicalUrl.AbsoluteUri);
    }

    [Theory]
    [InlineData("https://huggingface.co/")]
    [InlineData("https://huggingface.co/owner/repo")]
    [InlineData("https://huggingface.co/owner/repo/tree/main/loras")]
    [InlineData("https://huggingface.co/owner/repo/raw/main/model.safetensors")]
    [InlineData("https://huggingface.co/owner/repo/resolve/main")]
    [InlineData("https://huggingface.co/owner/repo/resolve/main/")]
    [InlineData("https://huggingface.co/owner/repo/resolve/main/loras/")]
    [InlineData("https://huggingface.co/owner/repo/resolve/main//model.safetensors")]
    [InlineData("https://huggingface.co/owner/repo/resolve/main/a%2F..%2Fb.safetensors")]
    [InlineData("https://huggingface.co/owner/repo/resolve/%00/model.safetensors")]
    [InlineData("https://huggingface.co/own%20er/repo/resolve/main/model.safetensors")]
    [InlineData("https://huggingface.co/datasets/owner/data")]
    [InlineData("https://huggingface.co/api/models/owner/repo")]
    [InlineData("https://huggingface.co/spaces/owner/demo/tree/main")]
    public void Parse_OtherPath_ThrowsInvalidUrlFormatNamingAcceptedForms(string url)
    {
        var ex = Assert.Throws<GatewayException>(() => HuggingFaceUrl.Parse(new Uri(url)));

        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(ErrorCodes.InvalidUrlFormat, ex.Code);
        Assert.EndsWith(HuggingFaceUrl.AcceptedForms, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolvePathAndApiPath_Dataset_KeepPrefixAndUseDatasetsApi()
    {
        var parsed = HuggingFaceUrl.Parse(new Uri("https://huggingface.co/datasets/owner/data/blob/refs%2Fpr%2F3/a%2Bb/c.safetensors"));

        Assert.Equal("/datasets/owner/data/resolve/refs%2Fpr%2F3/a%2Bb/c.safetensors", parsed.ResolvePath);
        Assert.Equal("/api/datasets/owner/data", parsed.ApiPath);
        Assert.Equal("c.safetensors", parsed.FileName);
        Assert.Equal(["a+b", "c.safetensors"], parsed.PathSegments);
    }

    [Fact]
    public void ApiPath_Space_UsesSpacesApi()
    {
        var parsed = HuggingFaceUrl.Parse(new Uri("https://huggingface.co/spaces/owner/demo/resolve/main/model.pt"));

        Assert.Equal("/api/spaces/owner/demo", parsed.ApiPath);
        Assert.Equal("/api/models/owner/repo", HuggingFaceUrl.Parse(new Uri("https://hf.co/owner/repo/resolve/main/x.gguf")).ApiPath);
    }
}
