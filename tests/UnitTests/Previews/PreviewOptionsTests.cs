using Microsoft.Extensions.DependencyInjection;
using ModelGateway.UnitTests.Hosting;

namespace ModelGateway.UnitTests.Previews;

public sealed class PreviewOptionsTests
{
    [Fact]
    public void Validate_Defaults_NoProblems()
    {
        Assert.Empty(ConfigurationProblems.Of([], s => s.AddPreviews()));
    }

    [Theory]
    [InlineData("Previews:MaxBytes", "1023", "Previews:MaxBytes must be between 1024 and 4194304.")]
    [InlineData("Previews:MaxBytes", "4194305", "Previews:MaxBytes must be between 1024 and 4194304.")]
    [InlineData("Previews:MaxPixels", "0", "Previews:MaxPixels must be between 1 and 268435456.")]
    [InlineData("Previews:MaxPixels", "268435457", "Previews:MaxPixels must be between 1 and 268435456.")]
    public void Validate_OutOfRange_Named(string key, string value, string expected)
    {
        Assert.Equal([expected], ConfigurationProblems.Of(new() { [key] = value }, s => s.AddPreviews()));
    }

    [Fact]
    public void Validate_NotANumber_NamedWithItsKey()
    {
        var problem = Assert.Single(ConfigurationProblems.Of(new() { ["Previews:MaxPixels"] = "many" }, s => s.AddPreviews()));

        Assert.StartsWith("Failed to convert configuration value 'many' at 'Previews:MaxPixels'", problem, StringComparison.Ordinal);
    }
}
