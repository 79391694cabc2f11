using ModelGateway.Policies;

namespace ModelGateway.UnitTests.Policies;

public sealed class ModelFormatsTests
{
    [Theory]
    [InlineData("model.safetensors", ModelFormat.SafeTensor)]
    [InlineData("model.sft", ModelFormat.SafeTensor)]
    [InlineData("MODEL.SAFETENSORS", ModelFormat.SafeTensor)]
    [InlineData("model.ckpt", ModelFormat.PickleTensor)]
    [InlineData("model.pt", ModelFormat.PickleTensor)]
    [InlineData("model.pth", ModelFormat.PickleTensor)]
    [InlineData("pytorch_model.bin", ModelFormat.PickleTensor)]
    [InlineData("model.pkl", ModelFormat.PickleTensor)]
    [InlineData("model.gguf", ModelFormat.GGUF)]
    [InlineData("model.Q4_K_M.gguf", ModelFormat.GGUF)]
    [InlineData("model.onnx", ModelFormat.ONNX)]
    [InlineData("model.zip", ModelFormat.Other)]
    [InlineData("model.safetensors.zip", ModelFormat.Other)]
    [InlineData("model", ModelFormat.Other)]
    [InlineData("safetensors", ModelFormat.Other)]
    [InlineData("", ModelFormat.Other)]
    [InlineData(null, ModelFormat.Other)]
    public void FromFileName_Extension_Format(string? fileName, ModelFormat expected)
    {
        Assert.Equal(expected, ModelFormats.FromFileName(fileName));
    }

    [Theory]
    [InlineData("SafeTensor", ModelFormat.SafeTensor)]
    [InlineData("safetensor", ModelFormat.SafeTensor)]
    [InlineData(" GGUF ", ModelFormat.GGUF)]
    [InlineData("picKleTensor", ModelFormat.PickleTensor)]
    [InlineData("Diffusers", ModelFormat.Diffusers)]
    [InlineData("onnx", ModelFormat.ONNX)]
    [InlineData("Other", ModelFormat.Other)]
    public void TryParse_KnownNames_AnyCase(string name, ModelFormat expected)
    {
        Assert.True(ModelFormats.TryParse(name, out var format));
        Assert.Equal(expected, format);
    }

    [Theory]
    [InlineData("SafeTensors")]
    [InlineData("safetensors")]
    [InlineData("ckpt")]
    [InlineData("0")]
    [InlineData("3")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    public void TryParse_UnknownNamesAndNumbers_False(string? name)
    {
        Assert.False(ModelFormats.TryParse(name, out _));
    }
}
