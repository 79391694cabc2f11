using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ModelGateway.Primitives;

/// <summary>
/// The range checks of an options type — its <c>[Range]</c> attributes, checked by a validator the options source
/// generator writes (<c>[OptionsValidator]</c>) — as problems naming their keys. Cross-field rules stay hand-written in
/// the feature's <see cref="IFeatureConfigValidator"/>.
/// </summary>
internal static partial class RangeProblems
{
    /// <summary>
    /// Adds each range <paramref name="ranges"/> finds broken in <paramref name="options"/> (bound from
    /// <paramref name="section"/>) as "<c>Section:Key must be between min and max.</c>".
    /// </summary>
    /// <remarks>
    /// The generated validator formats its own message (it ignores an attribute's <c>ErrorMessage</c>): "<c>Key: The
    /// field Type.Key must be between min and max.</c>"; it is rewritten to name the configuration key.
    /// </remarks>
    public static void Add<TOptions>(IValidateOptions<TOptions> ranges, TOptions options, string section, IList<string> problems)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentNullException.ThrowIfNull(problems);
        foreach (var failure in ranges.Validate(name: null, options).Failures ?? [])
        {
            var range = GeneratedRangeFailure().Match(failure);
            problems.Add(range.Success
                ? $"{section}:{range.Groups["key"].Value} must be between {range.Groups["min"].Value} and {range.Groups["max"].Value}."
                : $"{section}: {failure}");
        }
    }

    [GeneratedRegex(@"^(?<key>\w+): The field \S+ must be between (?<min>\S+) and (?<max>\S+)\.$", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedRangeFailure();
}
