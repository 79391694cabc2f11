using System.Text;
using ModelGateway.Sources;

namespace ModelGateway.UnitTests.Sources;

public sealed class DisplayTextTests
{
    [Theory]
    [InlineData("evil\u202Egnp.ckpt", "evilgnp.ckpt")] // RIGHT-TO-LEFT OVERRIDE: would read "evilkpc.png"
    [InlineData("a\u202Ab\u202Bc\u202Cd\u202De", "abcde")] // LRE, RLE, PDF, LRO
    [InlineData("a\u2066b\u2067c\u2068d\u2069e", "abcde")] // isolates
    [InlineData("a\u200Eb\u200Fc\u061Cd", "abcd")] // LRM, RLM, ALM
    [InlineData("mo\u200Bdel", "model")] // zero-width space
    [InlineData("mo\u200Cd\u200De\u2060l\uFEFF", "model")] // ZWNJ, ZWJ, word joiner, BOM
    [InlineData("soft\u00ADhyphen", "softhyphen")]
    [InlineData("a\u180Eb", "ab")] // Mongolian vowel separator
    [InlineData("tag\U000E0041\U000E007F", "tag")] // tag characters
    [InlineData("a\u034Fb", "ab")] // combining grapheme joiner
    [InlineData("a\u115Fb\u1160c\u3164d\uFFA0e", "abcde")] // Hangul fillers
    [InlineData("a\uFE0Fb\U000E0100c", "abc")] // variation selectors
    [InlineData("a\u2800b", "ab")] // Braille blank
    [InlineData("a\u17B4b", "ab")] // Khmer inherent vowel
    [InlineData("a\uE000b", "ab")] // private use
    [InlineData("a\u0378b", "ab")] // unassigned
    [InlineData("a\u0000b\u0007c\u007Fd\u0085e\u009Bf", "abcdef")] // C0, DEL, C1
    [InlineData("line\nbreak\r\ttab", "linebreaktab")]
    [InlineData("a\u2028b\u2029c", "abc")] // line and paragraph separators
    public void Clean_HiddenCharacters_Removed(string text, string expected)
    {
        Assert.Equal(expected, DisplayText.Clean(text, 512));
    }

    [Theory]
    [InlineData("a\u00A0b", "a b")] // no-break space
    [InlineData("a\u2003b\u3000c", "a b c")] // em space, ideographic space
    [InlineData("model.safetensors          .exe", "model.safetensors .exe")]
    [InlineData("  padded  ", "padded")]
    [InlineData("a \u200B b", "a b")]
    public void Clean_Spaces_PlainSingleAndTrimmed(string text, string expected)
    {
        Assert.Equal(expected, DisplayText.Clean(text, 512));
    }

    [Theory]
    [InlineData("模型 v2")]
    [InlineData("café naïve")]
    [InlineData("Ελληνικά")]
    [InlineData("שלום")]
    [InlineData("😀 emoji")]
    [InlineData("e\u0301")] // a combining accent draws something
    public void Clean_VisibleText_Unchanged(string text)
    {
        Assert.Equal(text, DisplayText.Clean(text, 512));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u200B\u202E\u0000")]
    public void Clean_NothingVisible_Null(string? text)
    {
        Assert.Null(DisplayText.Clean(text, 512));
    }

    [Fact]
    public void Clean_LoneSurrogate_ShownAsReplacementCharacter()
    {
        Assert.Equal("a\uFFFDb", DisplayText.Clean("a\uD800b", 512));
    }

    [Fact]
    public void Clean_LongerThanTheLimit_CutWithoutSplittingAPair()
    {
        var text = "ab" + string.Concat(Enumerable.Repeat("😀", 10));

        var clean = DisplayText.Clean(text, 5)!;

        Assert.Equal("ab😀", clean);
        Assert.True(clean.EnumerateRunes().All(r => r != Rune.ReplacementChar));
    }
}
