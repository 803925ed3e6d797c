"""Bilingual product names, unique per SKU.

A name is ``<attribute><benefit/style><product> <size or variant>`` built from per-category word
lists, e.g. 玻尿酸补水面膜 10片装 / Hyaluronic hydrating mask 10 pcs, or for apparel a colour and
size variant, 纯棉圆领T恤 白色 L / Cotton crew-neck T-shirt White L. Combinations are drawn without
replacement, so names are unique; if a category ever needs more SKUs than it has combinations
(or two categories happen to produce the same text), a series number is appended.
"""

from __future__ import annotations

import itertools

import numpy as np

Word = tuple[str, str]  # (zh, en)
Product = tuple[str, str, tuple[Word, ...]]  # (zh, en, variants)

_COLOURS: tuple[Word, ...] = (
    ("白色", "White"),
    ("黑色", "Black"),
    ("灰色", "Grey"),
    ("藏青", "Navy"),
    ("米色", "Beige"),
    ("卡其", "Khaki"),
)
_APPAREL_VARIANTS: tuple[Word, ...] = tuple(
    (f"{c_zh} {s}", f"{c_en} {s}") for (c_zh, c_en), s in itertools.product(_COLOURS, ("S", "M", "L", "XL"))
)


def _sizes(*sizes: str) -> tuple[Word, ...]:
    """Sizes written the same way in both languages (``50ml``)."""
    return tuple((s, s) for s in sizes)


_WORDS: dict[str, tuple[tuple[Word, ...], tuple[Word, ...], tuple[Product, ...]]] = {
    "beauty": (
        (
            ("玻尿酸", "Hyaluronic"),
            ("烟酰胺", "Niacinamide"),
            ("积雪草", "Centella"),
            ("神经酰胺", "Ceramide"),
            ("视黄醇", "Retinol"),
            ("维C", "Vitamin C"),
            ("胶原蛋白", "Collagen"),
            ("茶树", "Tea tree"),
            ("玫瑰", "Rose"),
            ("氨基酸", "Amino acid"),
            ("山茶花", "Camellia"),
            ("人参", "Ginseng"),
        ),
        (
            ("补水", "hydrating"),
            ("美白", "brightening"),
            ("修护", "repairing"),
            ("控油", "oil-control"),
            ("紧致", "firming"),
            ("舒缓", "soothing"),
            ("保湿", "moisturizing"),
            ("焕亮", "radiance"),
        ),
        (
            ("面膜", "mask", (("5片装", "5 pcs"), ("10片装", "10 pcs"), ("20片装", "20 pcs"))),
            ("精华液", "serum", _sizes("30ml", "50ml", "100ml")),
            ("面霜", "face cream", _sizes("30g", "50g", "80g")),
            ("爽肤水", "toner", _sizes("120ml", "200ml", "400ml")),
            ("乳液", "lotion", _sizes("100ml", "150ml", "250ml")),
            ("眼霜", "eye cream", _sizes("15g", "20g", "30g")),
            ("防晒霜", "sunscreen", _sizes("30ml", "50ml", "90ml")),
            ("卸妆油", "cleansing oil", _sizes("100ml", "200ml", "300ml")),
            ("洁面乳", "facial cleanser", _sizes("80g", "120g", "200g")),
            ("精华油", "face oil", _sizes("15ml", "30ml", "50ml")),
            ("唇膏", "lip balm", (("3.5g", "3.5g"), ("4g", "4g"), ("双支装", "twin pack"))),
        ),
    ),
    "personal_care": (
        (
            ("无硅油", "Silicone-free"),
            ("氨基酸", "Amino acid"),
            ("海盐", "Sea salt"),
            ("薄荷", "Mint"),
            ("樱花", "Sakura"),
            ("茶树", "Tea tree"),
            ("椰子", "Coconut"),
            ("生姜", "Ginger"),
            ("乳木果", "Shea"),
            ("竹炭", "Bamboo charcoal"),
        ),
        (
            ("去屑", "anti-dandruff"),
            ("控油", "oil-control"),
            ("蓬松", "volumizing"),
            ("清爽", "refreshing"),
            ("滋润", "nourishing"),
            ("留香", "long-lasting scent"),
            ("温和", "gentle"),
            ("净澈", "deep-cleansing"),
        ),
        (
            ("洗发水", "shampoo", _sizes("400ml", "500ml", "750ml")),
            ("护发素", "conditioner", _sizes("250ml", "400ml", "500ml")),
            ("沐浴露", "body wash", _sizes("500ml", "750ml", "1L")),
            ("牙膏", "toothpaste", (("90g", "90g"), ("120g", "120g"), ("3支装", "3-pack"))),
            ("身体乳", "body lotion", _sizes("200ml", "300ml", "400ml")),
            ("洗手液", "hand wash", (("300ml", "300ml"), ("500ml", "500ml"), ("补充装1L", "1L refill"))),
            ("漱口水", "mouthwash", _sizes("250ml", "500ml", "750ml")),
            ("护手霜", "hand cream", (("30g", "30g"), ("50g", "50g"), ("3支装", "3-pack"))),
            ("发膜", "hair mask", _sizes("200g", "300g", "500g")),
            ("香皂", "soap bar", (("3块装", "3-pack"), ("4块装", "4-pack"), ("6块装", "6-pack"))),
        ),
    ),
    "food": (
        (
            ("原味", "Original"),
            ("香辣", "Spicy"),
            ("五香", "Five-spice"),
            ("低糖", "Low-sugar"),
            ("海盐", "Sea salt"),
            ("抹茶", "Matcha"),
            ("芝士", "Cheese"),
            ("黑糖", "Brown sugar"),
            ("云南", "Yunnan"),
            ("新疆", "Xinjiang"),
            ("蜂蜜", "Honey"),
            ("椒麻", "Sichuan pepper"),
        ),
        (
            ("手工", "handmade"),
            ("即食", "instant"),
            ("轻食", "light"),
            ("高纤", "high-fibre"),
            ("经典", "classic"),
            ("精选", "selected"),
        ),
        (
            ("每日坚果", "mixed nuts", (("7袋装", "7 bags"), ("30袋装", "30 bags"), ("750g", "750g"))),
            ("燕麦片", "oatmeal", _sizes("500g", "1kg", "1.5kg")),
            ("牛肉干", "beef jerky", _sizes("100g", "200g", "500g")),
            ("挂耳咖啡", "drip coffee", (("10包", "10 bags"), ("30包", "30 bags"), ("50包", "50 bags"))),
            ("饼干", "biscuits", _sizes("200g", "400g", "1kg")),
            ("海苔", "seaweed snack", _sizes("30g", "60g", "120g")),
            ("螺蛳粉", "snail rice noodles", (("单袋", "single bag"), ("3袋装", "3 bags"), ("5袋装", "5 bags"))),
            ("红枣", "red dates", _sizes("250g", "500g", "1kg")),
            ("黑芝麻丸", "black sesame balls", _sizes("126g", "252g", "500g")),
            ("果干", "dried fruit", _sizes("100g", "250g", "500g")),
            ("乌龙茶", "oolong tea", _sizes("50g", "100g", "250g")),
            ("自热火锅", "self-heating hotpot", (("1盒", "1 box"), ("3盒装", "3 boxes"), ("6盒装", "6 boxes"))),
        ),
    ),
    "pet": (
        (
            ("鸡肉", "Chicken"),
            ("三文鱼", "Salmon"),
            ("牛肉", "Beef"),
            ("鸭肉", "Duck"),
            ("金枪鱼", "Tuna"),
            ("羊肉", "Lamb"),
            ("无谷", "Grain-free"),
            ("高蛋白", "High-protein"),
        ),
        (
            ("幼猫", "kitten"),
            ("成猫", "adult cat"),
            ("全阶段", "all-life-stage"),
            ("小型犬", "small dog"),
            ("大型犬", "large dog"),
            ("老年", "senior"),
        ),
        (
            ("主粮", "dry food", _sizes("1.5kg", "5kg", "10kg")),
            ("冻干", "freeze-dried treats", _sizes("50g", "200g", "500g")),
            (
                "罐头",
                "wet food",
                (("85g×6罐", "6×85g cans"), ("85g×12罐", "12×85g cans"), ("170g×24罐", "24×170g cans")),
            ),
            ("零食条", "lickable treats", (("10支装", "10 sticks"), ("30支装", "30 sticks"), ("60支装", "60 sticks"))),
            ("洁齿骨", "dental chews", (("7支装", "7 chews"), ("14支装", "14 chews"), ("28支装", "28 chews"))),
            ("营养膏", "nutrition paste", (("120g", "120g"), ("200g", "200g"), ("双支装", "twin pack"))),
        ),
    ),
    "apparel": (
        (
            ("纯棉", "Cotton"),
            ("羊毛", "Wool"),
            ("亚麻", "Linen"),
            ("真丝", "Silk"),
            ("莫代尔", "Modal"),
            ("摇粒绒", "Fleece"),
            ("羽绒", "Down"),
            ("牛仔", "Denim"),
        ),
        (
            ("圆领", "crew-neck"),
            ("宽松", "loose-fit"),
            ("修身", "slim-fit"),
            ("复古", "vintage"),
            ("高腰", "high-waist"),
            ("连帽", "hooded"),
            ("简约", "minimalist"),
        ),
        (
            ("T恤", "T-shirt", _APPAREL_VARIANTS),
            ("衬衫", "shirt", _APPAREL_VARIANTS),
            ("卫衣", "sweatshirt", _APPAREL_VARIANTS),
            ("连衣裙", "dress", _APPAREL_VARIANTS),
            ("外套", "jacket", _APPAREL_VARIANTS),
            ("针织衫", "knit top", _APPAREL_VARIANTS),
            ("休闲裤", "trousers", _APPAREL_VARIANTS),
            ("半身裙", "skirt", _APPAREL_VARIANTS),
            ("马甲", "vest", _APPAREL_VARIANTS),
        ),
    ),
}


def _combinations(category_id: str) -> list[Word]:
    """Every (zh, en) name the word lists of a category can form."""
    attrs, benefits, products = _WORDS[category_id]
    names: list[Word] = []
    for (a_zh, a_en), (b_zh, b_en), (p_zh, p_en, variants) in itertools.product(attrs, benefits, products):
        for v_zh, v_en in variants:
            names.append((f"{a_zh}{b_zh}{p_zh} {v_zh}", f"{a_en} {b_en} {p_en} {v_en}"))
    return names


def category_names(category_id: str, n: int, rng: np.random.Generator) -> list[Word]:
    """``n`` distinct names for SKUs of a category (series numbers once combinations run out)."""
    pool = _combinations(category_id)
    picks = rng.permutation(len(pool))
    out: list[Word] = []
    for i in range(n):
        zh, en = pool[int(picks[i % len(pool)])]
        series = i // len(pool)
        out.append((zh, en) if series == 0 else (f"{zh} 系列{series + 1}", f"{en} series {series + 1}"))
    return out


def make_unique(names: list[Word]) -> list[Word]:
    """Append a series number to any zh or en name already used earlier in the list."""
    seen_zh: set[str] = set()
    seen_en: set[str] = set()
    out: list[Word] = []
    for zh, en in names:
        k = 1
        zh_try, en_try = zh, en
        while zh_try in seen_zh or en_try in seen_en:
            k += 1
            zh_try, en_try = f"{zh} 系列{k}", f"{en} series {k}"
        seen_zh.add(zh_try)
        seen_en.add(en_try)
        out.append((zh_try, en_try))
    return out
