using System.Globalization;
using System.Text;

namespace ModelGateway.Sources;

/// <summary>
/// Text the gateway shows as a name (<c>filename</c>, <c>name</c>), from whatever a host, an API or a file's header
/// says: what a reader sees must be all there is. Control characters, bidi controls (which reverse what follows:
/// <c>evil\u202Egnp.ckpt</c> reads as <c>evilkpc.png</c>), zero-width and every other format character, line and
/// paragraph separators, unassigned and private-use code points, lone surrogates, and the characters that draw
/// nothing although they are not format characters (Hangul fillers, variation selectors, the combining grapheme
/// joiner, the Braille blank, …) are removed; other spaces become plain spaces and runs of them one space.
/// </summary>
internal static class DisplayText
{
    /// <summary>The cleaned text, at most <paramref name="maxLength"/> UTF-16 characters (never a split pair); null when nothing is left.</summary>
    public static string? Clean(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var clean = new StringBuilder(Math.Min(text.Length, maxLength));
        var pendingSpace = false;
        foreach (var rune in text.EnumerateRunes()) // a lone surrogate arrives as U+FFFD, which is kept visibly
        {
            if (IsHidden(rune))
            {
                continue;
            }
            if (Rune.IsWhiteSpace(rune))
            {
                pendingSpace = clean.Length > 0;
                continue;
            }
            var needed = rune.Utf16SequenceLength + (pendingSpace ? 1 : 0);
            if (clean.Length + needed > maxLength)
            {
                break;
            }
            if (pendingSpace)
            {
                clean.Append(' ');
                pendingSpace = false;
            }
            clean.Append(rune.ToString());
        }
        return clean.Length == 0 ? null : clean.ToString();
    }

    /// <summary>Whether <paramref name="rune"/> changes or hides text without showing itself.</summary>
    public static bool IsHidden(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => true,
        _ => rune.Value is 0x034F // combining grapheme joiner
            or 0x115F or 0x1160 or 0x3164 or 0xFFA0 // Hangul fillers
            or 0x17B4 or 0x17B5 // Khmer inherent vowels
            or (>= 0x180B and <= 0x180F) // Mongolian variation selectors and vowel separator
            or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF) // variation selectors
            or 0x2800 // Braille blank
            or 0xFFFC, // object replacement
    };
}
