"""Names for the demo county: people, places, estates, roads and units.

Surname weights are the shares (per mille) of the commonest surnames in the 2020 census; the
local table boosts the surnames that are frequent in Wuyi (何, 徐, 朱, 汤, 潘, 邵, 俞, 应, 涂) and
the She (畲族) surnames 蓝, 雷, 钟. Given-name characters follow the fashions of each generation:
建国 and 秀英 for the old, 伟 and 丽 for the middle-aged, 梓涵 and 浩宇 for children.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect
from collections.abc import Sequence

COUNTY_CODE = "330723"  # GB/T 2260: 浙江省金华市武义县
COUNTY_NAME = "武义县"

# (surname, per mille of the population)
_NATIONAL = """
王 71 李 69 张 64 刘 54 陈 46 杨 31 黄 23 赵 22 吴 20 周 19 徐 15 孙 14 马 13 朱 12 胡 11 郭 11 何 10
林 9.7 高 9.6 罗 8.6 郑 8 梁 7 谢 6 宋 6 唐 5.4 许 5.1 韩 5 邓 5 冯 4.6 曹 4.5 彭 4.5 曾 4.4 肖 4.3 田 4.3
董 4.2 潘 4.1 袁 4 蔡 3.8 蒋 3.8 余 3.7 于 3.6 杜 3.5 叶 3.4 程 3.3 魏 3.2 苏 3.2 吕 3.1 丁 3.1 任 3
卢 2.9 姚 2.9 沈 2.8 钟 2.7 姜 2.7 崔 2.6 谭 2.5 陆 2.4 范 2.4 汪 2.4 廖 2.3 石 2.3 金 2.3 韦 2.2 贾 2.2
夏 2.1 付 2.1 方 2 邹 1.9 熊 1.9 白 1.9 孟 1.8 秦 1.8 邱 1.8 侯 1.7 江 1.7 尹 1.6 薛 1.6 闫 1.6 段 1.5
雷 1.5 龙 1.4 黎 1.4 史 1.4 陶 1.3 贺 1.3 毛 1.3 郝 1.2 顾 1.2 龚 1.2 邵 1.2 万 1.1 覃 1.1 武 1.1 钱 1.1
戴 1 严 1 莫 1 孔 1 向 1 常 0.9 汤 0.9 康 0.9 易 0.9 乔 0.9 赖 0.9 文 0.9 施 0.8 洪 0.8 辛 0.7 柯 0.7
庄 0.7 章 0.7 蓝 0.6 俞 0.6 应 0.4 涂 0.4 单 0.4 解 0.3 欧阳 0.5 诸葛 0.05 司马 0.05 上官 0.05
"""
_LOCAL_BOOST = {
    "何": 4,
    "徐": 3,
    "朱": 2.5,
    "汤": 6,
    "潘": 4,
    "邵": 4,
    "俞": 8,
    "应": 8,
    "涂": 6,
    "陈": 1.5,
    "叶": 2.5,
    "钟": 3,
    "蓝": 4,
    "雷": 2,
    "吴": 1.5,
    "金": 2,
    "胡": 1.5,
    "周": 1.3,
}


def _parse(table: str) -> list[tuple[str, float]]:
    tokens = table.split()
    return [(tokens[i], float(tokens[i + 1])) for i in range(0, len(tokens), 2)]


NATIONAL_SURNAMES = _parse(_NATIONAL)
LOCAL_SURNAMES = [(s, w * _LOCAL_BOOST.get(s, 1.0)) for s, w in NATIONAL_SURNAMES]

# Given-name characters by generation (birth year up to and including the key) and sex:
# (first characters, second characters, one-character names).
_GIVEN = {
    1959: {
        "1": ("国建福根金荣德志永有长春水兴树宝光", "华林生明根福荣平忠海元才发昌祥兴", "华明军平林忠海强"),
        "2": ("秀桂凤菊金玉美素月翠彩兰爱", "英兰花珍芬香娥仙琴梅云凤莲", "英兰芳珍琴梅云"),
    },
    1979: {
        "1": (
            "建志小伟海卫晓国永文明红东立",
            "军强勇杰明斌辉刚平峰海波亮华新伟东忠",
            "伟强军勇杰斌辉刚峰波亮涛",
        ),
        "2": ("丽晓秀小美爱海红雪丹慧建", "艳娟霞玲红梅萍燕敏静芳华英莉琴芬", "丽艳娟霞玲敏静芳莉燕萍"),
    },
    1999: {
        "1": ("俊浩子家鹏志晓佳嘉文天宇明", "宇鑫晨凯鹏超磊杰帅涛昊博飞健洋阳", "浩鑫磊杰涛超鹏帅博凯健"),
        "2": ("佳雨晓思欣文雅梦丹婷诗", "婷雪琳颖倩欣悦丹娜琪静璐洁莹露雯", "婷雪琳颖倩丹娜琪静璐洁"),
    },
    2100: {
        "1": ("梓子宇浩一俊睿奕沐承嘉皓", "轩宸睿铭航泽佑然辰逸晨煜豪杰", "轩睿铭航泽辰晨"),
        "2": ("梓欣诗雨思可语若一子佳紫", "涵萱馨怡悦瑶诺汐彤希琪妍", "涵萱馨怡悦瑶彤妍"),
    },
}
# Share of one-character given names (张伟) by generation.
_SINGLE = {1959: 0.2, 1979: 0.3, 1999: 0.15, 2100: 0.06}

# Ethnic minorities a Wuyi register shows: the She (畲族, 柳城畲族镇) and a few others.
LOCAL_MINORITIES = [("22", 12), ("06", 1), ("15", 1), ("03", 0.5), ("11", 0.5), ("08", 0.5)]

# Where the floating population comes from: (GB/T 2260 code, place, minority shares).
# Some codes predate a re-division (522422 大方县, now 520521): ID numbers keep the old code.
ORIGINS: list[tuple[str, str, float, list[tuple[str, float]]]] = [
    # code, name, weight, [(ethnicity, share)]
    ("522422", "贵州省毕节地区大方县", 6, [("06", 0.12), ("07", 0.08), ("09", 0.03)]),
    ("522427", "贵州省毕节地区威宁彝族回族苗族自治县", 5, [("07", 0.2), ("03", 0.1), ("06", 0.1)]),
    ("520526", "贵州省毕节市威宁彝族回族苗族自治县", 3, [("07", 0.2), ("03", 0.1), ("06", 0.1)]),
    ("520326", "贵州省遵义市务川仡佬族苗族自治县", 2, [("06", 0.1), ("15", 0.05)]),
    ("530627", "云南省昭通市镇雄县", 4, [("07", 0.06), ("06", 0.04)]),
    ("340822", "安徽省安庆市怀宁县", 3, []),
    ("341221", "安徽省阜阳市临泉县", 3, []),
    ("341222", "安徽省阜阳市太和县", 2, []),
    ("360124", "江西省南昌市进贤县", 3, []),
    ("361123", "江西省上饶市玉山县", 3, []),
    ("411381", "河南省南阳市邓州市", 3, []),
    ("411623", "河南省周口市商水县", 3, []),
    ("511621", "四川省广安市岳池县", 3, []),
    ("511623", "四川省广安市邻水县", 2, []),
    ("430524", "湖南省邵阳市隆回县", 2, [("15", 0.02)]),
    ("431224", "湖南省怀化市溆浦县", 2, [("13", 0.03), ("12", 0.03)]),
    ("450821", "广西壮族自治区贵港市平南县", 1, [("08", 0.3)]),
    ("500101", "重庆市万州区", 2, [("15", 0.05)]),
    ("350322", "福建省莆田市仙游县", 1, []),
    ("330784", "浙江省金华市永康市", 4, []),
    ("330782", "浙江省金华市义乌市", 2, []),
    ("330702", "浙江省金华市婺城区", 3, []),
    ("330727", "浙江省金华市磐安县", 2, []),
    ("331122", "浙江省丽水市缙云县", 2, [("22", 0.03)]),
    ("331123", "浙江省丽水市遂昌县", 2, [("22", 0.03)]),
    ("331181", "浙江省丽水市龙泉市", 1, [("22", 0.03)]),
]

TOWNS = [
    "城关",
    "新华",
    "永和",
    "太平",
    "长乐",
    "龙泉",
    "石桥",
    "大坪",
    "清水",
    "黄沙",
    "河口",
    "青山",
    "马场",
    "双龙",
    "高桥",
    "白石",
    "中和",
    "兴隆",
    "金竹",
    "红岩",
]
VILLAGES = [
    "上坪",
    "下庄",
    "杨家",
    "李家湾",
    "新民",
    "和平",
    "光明",
    "大河",
    "柳树",
    "沙坝",
    "松林",
    "团结",
    "东风",
    "前进",
    "岩口",
    "竹园",
    "桥头",
    "坪上",
    "石门",
    "田坝",
]

# Place names for the demo county: real Wuyi streets first, then towns of the county as streets
# when --scale grows the county into a city.
STREETS = [
    "壶山",
    "白洋",
    "熟溪",
    "履坦",
    "桐琴",
    "泉溪",
    "王宅",
    "桃溪",
    "茭道",
    "大田",
    "柳城",
    "俞源",
    "新宅",
    "西联",
    "三港",
    "大溪口",
    "坦洪",
    "白姆",
    "章村",
    "晓园",
    "武阳",
    "明皇",
    "郭洞",
    "清溪",
    "江滨",
    "温泉",
    "丰产",
    "百花",
    "凤凰",
    "永安",
]
COMMUNITY_ROOTS = [
    "解放",
    "溪南",
    "熟溪",
    "壶山",
    "江滨",
    "城南",
    "城北",
    "东门",
    "西门",
    "南湖",
    "温泉",
    "明珠",
    "金岩",
    "上松",
    "下王",
    "塔山",
    "丰产",
    "清溪",
    "凤凰",
    "新华",
    "后陈",
    "武阳",
    "花园",
    "三联",
    "长安",
    "荷花",
    "紫金",
    "莲花",
    "枫林",
    "宏图",
    "望湖",
    "白溪",
    "星光",
    "锦绣",
    "文化",
    "双桥",
    "环城",
    "下邵",
    "上邵",
    "牛背金",
    "岭下汤",
    "东升",
    "城西",
    "宣平",
    "壶亭",
    "百花山",
    "南湾",
    "北岭",
    "鹤城",
    "台山",
    "徐村",
    "巩宅",
    "邵宅",
    "朱王",
    "园丁",
    "桃花",
    "泽村",
    "陶村",
    "芦北",
    "秀水",
]
ESTATE_ROOTS = [
    "溪南",
    "溪北",
    "江滨",
    "阳光",
    "温泉",
    "壶山",
    "明珠",
    "熟溪",
    "解放",
    "丰华",
    "金都",
    "华府",
    "翡翠",
    "桃源",
    "锦绣",
    "和园",
    "紫薇",
    "香樟",
    "南苑",
    "东湖",
    "武川",
    "状元",
    "书香",
    "碧水",
    "宏图",
    "金色",
    "盛世",
    "世纪",
    "康城",
    "青枫",
    "梧桐",
    "泰和",
    "永安",
    "星河",
    "望江",
    "云溪",
    "凤栖",
    "莲湖",
    "茶香",
    "萤石",
    "白鹭",
    "清华",
    "和美",
    "丽景",
    "怡景",
    "春晖",
    "晨曦",
    "御园",
    "天鹅",
    "龙湾",
    "金桂",
    "银杏",
    "春江",
    "月湖",
    "兰亭",
    "芳草",
    "水岸",
    "壶山湾",
    "东方",
    "新城",
]
ESTATE_SUFFIX = {
    "old": ["小区", "新村", "小区", "公寓"],
    "new": ["花园", "家园", "嘉园", "苑", "华府", "名邸", "府"],
    "village": ["新村", "村", "安置小区"],
    "shophouse": ["商住楼", "大厦", "广场"],
}
ROADS = [
    "解放街",
    "熟溪路",
    "壶山路",
    "温泉路",
    "白洋路",
    "武阳路",
    "丰产路",
    "东岳路",
    "江滨路",
    "新华街",
    "望湖路",
    "永康街",
    "环城南路",
    "环城北路",
    "壶山中路",
    "熟溪南路",
    "溪南街",
    "明珠路",
    "清溪路",
    "城南大道",
    "凤凰路",
    "百花山路",
    "金岩路",
    "牡丹路",
    "紫金路",
    "武义大道",
    "北岭路",
    "上松路",
]
SHOP_KINDS = [
    "便利店",
    "面馆",
    "理发店",
    "五金店",
    "水果店",
    "大药房",
    "早餐店",
    "服装店",
    "手机维修",
    "烟酒店",
    "超市",
    "快递驿站",
    "茶叶店",
    "宣莲干货",
    "小吃店",
    "花店",
    "眼镜店",
    "母婴店",
    "烧饼店",
    "洗衣店",
]
INDUSTRIES = [
    "工贸",
    "五金制品",
    "电器",
    "文具",
    "旅游用品",
    "茶业",
    "门业",
    "萤石矿业",
    "机械",
    "电子科技",
    "家居用品",
    "工具",
    "服饰",
    "食品",
    "包装材料",
    "汽车配件",
    "建材",
    "网络科技",
]
PROPERTY_COMPANIES = [
    "武义县壶山物业管理有限公司",
    "武义县阳光物业服务有限公司",
    "浙江绿城物业服务集团有限公司武义分公司",
    "金华市宏宇物业服务有限公司",
    "武义县温泉物业管理有限公司",
    "浙江南都物业管理有限公司武义分公司",
    "武义县城投物业服务有限公司",
]
SOCIAL_ORGS = ["志愿者协会", "老年协会", "文体队", "邻里互助会", "乡贤理事会", "红色义工队", "老娘舅调解室"]


class Weighted:
    """Draw from a weighted list with one `random()` call and a binary search."""

    def __init__(self, items: Sequence[tuple[str, float]]) -> None:
        self.values = [v for v, _ in items]
        self.cumulative = list(itertools.accumulate(w for _, w in items))

    def pick(self, rng: random.Random) -> str:
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


_NATIONAL_PICK = Weighted(NATIONAL_SURNAMES)
_LOCAL_PICK = Weighted(LOCAL_SURNAMES)


def surname(rng: random.Random, *, local: bool) -> str:
    return (_LOCAL_PICK if local else _NATIONAL_PICK).pick(rng)


def _generation(year: int) -> int:
    return next(k for k in _GIVEN if year <= k)


def given_name(rng: random.Random, *, gender: str, birth_year: int) -> str:
    gen = _generation(birth_year)
    first, second, single = _GIVEN[gen][gender]
    if rng.random() < _SINGLE[gen]:
        return rng.choice(single)
    a, b = rng.choice(first), rng.choice(second)
    while a == b and not (gender == "2" and rng.random() < 0.3):  # 婷婷, 佳佳: girls only, sometimes
        b = rng.choice(second)
    return a + b


def full_name(
    rng: random.Random, *, gender: str, birth_year: int, local: bool = True, family_name: str | None = None
) -> str:
    return (family_name or surname(rng, local=local)) + given_name(rng, gender=gender, birth_year=birth_year)


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 35 → 三十五 (grid names: 第十二网格)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def unique_names(
    roots: Sequence[str], count: int, *, suffixes: Sequence[str] = ("",), rng: random.Random | None = None
) -> list[str]:
    """`count` distinct names from roots, adding 东/西/南/北/新 variants when the roots run out."""
    order = list(roots)
    if rng is not None:
        rng.shuffle(order)
    out: list[str] = []
    for variant in ("", "东", "西", "南", "北", "新", "前", "后", "上", "下"):
        for root in order:
            for suffix in suffixes:
                out.append(f"{root}{variant}{suffix}" if variant else f"{root}{suffix}")
                if len(out) == count:
                    return out
    n = 1
    while len(out) < count:
        out.append(f"{order[0]}{n}{suffixes[0]}")
        n += 1
    return out
