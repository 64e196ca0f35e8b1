//! G.711 µ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8)
//! companding (ITU-T G.711), with 256-entry decode tables and arithmetic
//! encoders, and direct µ-law ⇄ A-law transcoding tables.

/// Decodes one µ-law byte.
#[inline]
pub fn ulaw_to_linear(u: u8) -> i16 {
    ULAW_DECODE[u as usize]
}

/// Decodes one A-law byte.
#[inline]
pub fn alaw_to_linear(a: u8) -> i16 {
    ALAW_DECODE[a as usize]
}

/// Encodes one sample to µ-law.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut s = sample as i32;
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    let exponent = (31 - (s as u32).leading_zeros()).saturating_sub(7).min(7) as i32;
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// Encodes one sample to A-law.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let mut s = sample as i32;
    let sign = if s >= 0 {
        0x80
    } else {
        s = -s - 1;
        0
    };
    let s = s.min(32767);
    let byte = if s < 256 {
        s >> 4
    } else {
        let exponent = (31 - (s as u32).leading_zeros()) as i32 - 7;
        (exponent << 4) | ((s >> (exponent + 3)) & 0x0F)
    };
    ((byte | sign) ^ 0x55) as u8
}

/// µ-law byte to A-law byte, through linear.
#[inline]
pub fn ulaw_to_alaw(u: u8) -> u8 {
    ULAW_TO_ALAW[u as usize]
}

/// A-law byte to µ-law byte, through linear.
#[inline]
pub fn alaw_to_ulaw(a: u8) -> u8 {
    ALAW_TO_ULAW[a as usize]
}

const fn ulaw_decode(u: u8) -> i16 {
    let u = !u;
    let sign = u & 0x80;
    let exponent = ((u >> 4) & 0x07) as i32;
    let mantissa = (u & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if sign != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

const fn alaw_decode(a: u8) -> i16 {
    let a = a ^ 0x55;
    let sign = a & 0x80;
    let exponent = ((a >> 4) & 0x07) as i32;
    let mantissa = (a & 0x0F) as i32;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if sign != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

static ULAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_decode(i as u8);
        i += 1;
    }
    t
};

static ALAW_DECODE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_decode(i as u8);
        i += 1;
    }
    t
};

static ULAW_TO_ALAW: std::sync::LazyLock<[u8; 256]> = std::sync::LazyLock::new(|| {
    let mut t = [0u8; 256];
    for (i, v) in t.iter_mut().enumerate() {
        *v = linear_to_alaw(ulaw_to_linear(i as u8));
    }
    t
});

static ALAW_TO_ULAW: std::sync::LazyLock<[u8; 256]> = std::sync::LazyLock::new(|| {
    let mut t = [0u8; 256];
    for (i, v) in t.iter_mut().enumerate() {
        *v = linear_to_ulaw(alaw_to_linear(i as u8));
    }
    t
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_round_trips_every_code() {
        for u in 0..=255u8 {
            let back = linear_to_ulaw(ulaw_to_linear(u));
            // 0x7F and 0xFF both decode to zero.
            assert_eq!(ulaw_to_linear(back), ulaw_to_linear(u), "code {u:#x}");
        }
    }

    #[test]
    fn alaw_round_trips_every_code() {
        for a in 0..=255u8 {
            assert_eq!(linear_to_alaw(alaw_to_linear(a)), a, "code {a:#x}");
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
    }

    #[test]
    fn encoding_error_is_bounded() {
        for s in (-32768i32..32768).step_by(7) {
            let s = s as i16;
            let u = ulaw_to_linear(linear_to_ulaw(s)) as i32;
            let a = alaw_to_linear(linear_to_alaw(s)) as i32;
            let tol = (s as i32).abs() / 16 + 16;
            assert!((u - s as i32).abs() <= tol.max(140), "ulaw {s} -> {u}");
            assert!((a - s as i32).abs() <= tol.max(140), "alaw {s} -> {a}");
        }
    }

    #[test]
    fn transcoding_tables_agree_with_linear() {
        for u in 0..=255u8 {
            assert_eq!(ulaw_to_alaw(u), linear_to_alaw(ulaw_to_linear(u)));
        }
    }
}
