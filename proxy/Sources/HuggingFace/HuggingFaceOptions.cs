using Microsoft.Extensions.Options;

namespace ModelGateway.Sources.HuggingFace;

/// <summary><c>Sources:HuggingFace</c>: the hosts recognised as Hugging Face, where they are fetched from, an optional token.</summary>
public sealed class HuggingFaceOptions : SourceOptions
{
    public const string SectionName = "Sources:HuggingFace";

    public override IEnumerable<string> Validate(string section)
    {
        foreach (var problem in base.Validate(section))
        {
            yield return problem;
        }
        if (Hosts.Count == 0)
        {
            yield return $"{section}:Hosts: at least one host (e.g. \"huggingface.co\") is required.";
        }
        if (string.IsNullOrWhiteSpace(BaseUrl))
        {
            yield return $"{section}:BaseUrl is required (e.g. \"https://huggingface.co\").";
        }
    }

    /// <summary>Startup validation listing every problem at once.</summary>
    internal sealed class Validator : IValidateOptions<HuggingFaceOptions>
    {
        public ValidateOptionsResult Validate(string? name, HuggingFaceOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var failures = options.Validate(SectionName).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
