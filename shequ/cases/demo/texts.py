"""What people report and write in the demo county: the year's mix of categories and sources, and
the texts of reports, replies, verifications, refusals and evaluations (drawn with variations)."""

from __future__ import annotations

from ..models import Satisfaction, Source

# How often each category is reported (a year's mix, like a county town's 12345 and grid reports).
CATEGORY_WEIGHTS = {
    "sanitation.garbage": 16,
    "sanitation.sewage": 4,
    "sanitation.greenery": 5,
    "municipal.streetlight": 7,
    "municipal.road": 5,
    "municipal.manhole": 2,
    "property.lift": 5,
    "property.parking": 7,
    "property.leak": 5,
    "dispute.neighbour": 4,
    "dispute.family": 1,
    "dispute.property": 3,
    "safety.building": 2,
    "safety.ebike": 5,
    "safety.falling": 2,
    "livelihood.consultation": 5,
    "livelihood.help": 3,
    "livelihood.complaint": 4,
    "security.suspicious": 1,
    "security.noise": 5,
    "fire.lane": 3,
    "fire.equipment": 2,
    "construction.structure": 4,
    "construction.greenspace": 2,
    "other": 2,
}
# Summer brings noise, greenery and rain; winter fewer reports overall.
MONTH_WEIGHTS = [0.75, 0.7, 0.9, 1.0, 1.05, 1.2, 1.25, 1.2, 1.05, 1.0, 0.95, 0.85]
SEASONAL = {"security.noise": (6, 9), "sanitation.greenery": (4, 8), "property.leak": (5, 7)}
SOURCE_WEIGHTS = [(Source.GRID, 40), (Source.HOTLINE, 25), (Source.PORTAL, 22), (Source.WINDOW, 13)]
URGENT_SHARE = {"safety": 0.3, "municipal.manhole": 0.4, "fire": 0.2, "security.suspicious": 0.3}

DESCRIPTIONS = {
    "sanitation.garbage": [
        "{e}{b}楼下垃圾桶满溢，已经{d}没人清运，气味很大",
        "{b}{u}单元楼道堆放杂物，影响通行",
        "{e}{dir}门口有人倾倒建筑垃圾，堆了一大堆",
        "小区垃圾分类投放点周边散落生活垃圾，招蚊蝇",
        "{b}旁边绿化带里有人丢弃旧沙发和床垫，{d}了还没清走",
    ],
    "sanitation.sewage": [
        "{b}{u}单元门口窨井污水外溢，臭味很重",
        "{e}{dir}侧下水道堵塞，一下雨就积水",
        "{b}楼下化粪池满溢，污水流到路面上",
        "小区内雨污管道破损，污水渗到{b}地下室",
    ],
    "sanitation.greenery": [
        "{b}前面的树枝长得太密，挡住了{f}楼住户的采光",
        "{e}{dir}门绿化带杂草丛生，很久没人修剪",
        "{b}旁边大树有枯枝，刮风时可能掉下来砸到人",
        "小区草坪被踩秃了一大片，黄土裸露，下雨泥泞",
    ],
    "municipal.streetlight": [
        "{e}{dir}门口路灯不亮已{d}，晚上出行不便",
        "{road}靠近{e}一段有{n}盏路灯不亮",
        "{b}旁边路灯白天也亮着，浪费电",
        "{road}路灯杆被车撞歪，有倒伏危险",
    ],
    "municipal.road": [
        "{road}靠近{e}路段路面坑洼，电动车经过容易摔倒",
        "{e}{dir}门口人行道地砖松动翘起，老人走路差点绊倒",
        "{road}路面塌陷出一个坑，用锥桶围起来{d}了一直没修",
        "{e}门口减速带损坏，螺丝外露",
    ],
    "municipal.manhole": [
        "{road}靠近{e}{dir}门的井盖缺失，只放了一块木板，非常危险",
        "{b}楼下井盖破裂，车辆压过时响声很大",
        "{e}{dir}门人行道上井盖下沉，形成坑洼",
    ],
    "property.lift": [
        "{b}{u}单元电梯经常停运，{d}内坏了两次",
        "{b}{u}单元电梯运行时异响抖动，居民不敢坐",
        "{b}{u}单元电梯困人，物业{n}十分钟后才到场",
        "{b}{u}单元电梯年检合格证过期未更新",
    ],
    "property.parking": [
        "{b}楼下消防通道旁长期停放僵尸车",
        "小区车位紧张，外来车辆随意进出占用业主车位",
        "{e}{dir}门口车辆乱停，早高峰出不去",
        "{b}门口电动车乱停乱放，堵住单元出入口",
    ],
    "property.leak": [
        "{b}{u}单元顶楼漏水，{f}楼住户墙面发霉",
        "{b}外墙渗水，雨天屋里墙壁湿一大片",
        "楼上住户卫生间漏水到{b}{u}单元{f}楼，协商未果",
        "{b}{u}单元楼道水管爆裂，楼梯上全是水",
    ],
    "dispute.neighbour": [
        "{b}{u}单元楼上住户夜间噪音大，多次沟通无效",
        "{b}邻居在楼道长期堆放杂物，双方多次争吵",
        "{b}{u}单元住户在公共区域养鸡，邻居有意见",
        "邻居空调外机正对{b}{f}楼卧室窗户，协商不成",
    ],
    "dispute.family": [
        "{b}一户老人反映子女不履行赡养义务，请求社区调解",
        "{b}{u}单元一对夫妻经常吵架，邻居担心出事",
        "兄弟之间因老房子拆迁补偿分配产生纠纷，请求调解",
    ],
    "dispute.property": [
        "{e}业主对物业费上涨有异议，物业未公示收支",
        "{e}物业以欠费为由停止{b}的保洁服务",
        "业主反映{e}公共收益去向不明，要求物业公开",
    ],
    "safety.building": [
        "{b}外墙瓷砖脱落，下面是人行通道",
        "{b}{u}单元楼梯扶手松动，老人上下楼有危险",
        "{b}一楼商铺装修拆除承重墙，楼上住户担心安全",
        "{b}墙体出现明显裂缝，且越来越大",
    ],
    "safety.ebike": [
        "{b}{u}单元有住户把电动车推进楼道充电",
        "{b}有住户从{f}楼飞线下来给电动车充电",
        "{e}电动车充电棚充电桩坏了，居民只好在楼道充电",
        "{b}楼道里停放多辆电动车，夜间充电，存在火灾隐患",
    ],
    "safety.falling": [
        "{b}{f}楼阳台花盆放在护栏外，随时可能掉下来",
        "{b}楼上有人往下扔垃圾，差点砸到行人",
        "{b}{f}楼窗户玻璃松动，刮风时晃动",
    ],
    "livelihood.consultation": [
        "咨询居家养老服务补贴的申请条件和办理流程",
        "咨询孩子入学需要社区开具哪些证明",
        "咨询高龄津贴怎么申请，需要带什么材料",
        "咨询城乡居民医保参保缴费的时间和方式",
        "咨询灵活就业人员社保补贴政策",
    ],
    "livelihood.help": [
        "{b}独居老人行动不便，希望社区帮忙联系上门助餐",
        "{b}一户低保家庭家里热水器坏了，无力维修，请求帮助",
        "{b}{u}单元残疾人家庭申请无障碍改造",
        "{b}独居老人{d}没出门了，邻居担心，请社区上门看看",
    ],
    "livelihood.complaint": [
        "{road}一家餐饮店油烟直排，熏到{e}住户",
        "{e}门口菜市场有商贩缺斤短两",
        "建议在{e}{dir}门增设公交站点，方便老人出行",
        "{road}一家理发店办卡后关门跑路，要求退款",
    ],
    "security.suspicious": [
        "{b}{u}单元最近有陌生人挨家挨户敲门推销保健品",
        "{e}{dir}门附近夜里有人撬电动车锁",
        "{b}有一户出租房人员进出频繁，疑似群租",
    ],
    "security.noise": [
        "{road}沿街KTV深夜噪音扰民",
        "{e}广场舞音响声音太大，晚上九点后还不停",
        "{e}旁边工地夜间施工，噪音影响休息",
        "{b}楼下商铺装修，中午和晚上都在电钻",
    ],
    "fire.lane": [
        "{e}消防通道被私家车占用，消防车进不来",
        "{b}{u}单元安全出口被杂物堵住",
        "{e}{dir}门消防通道上摆了摊位",
    ],
    "fire.equipment": [
        "{b}{u}单元消防栓没水",
        "{b}楼道灭火器过期很久了",
        "{b}楼道应急照明灯不亮",
        "{e}消防控制室无人值守，火灾报警器一直响",
    ],
    "construction.structure": [
        "{b}顶楼住户在楼顶私自搭建阳光房",
        "{b}一楼住户占用公共绿地搭建围墙和棚子",
        "{e}{dir}门旁有人私自搭建简易房出租",
        "{b}{f}楼住户阳台外扩，超出外墙",
    ],
    "construction.greenspace": [
        "{b}前绿化带被住户改成菜地",
        "{e}{dir}侧公共绿地被硬化成私人停车位",
        "{b}旁边的树被人砍掉了，说是挡光",
    ],
    "other": [
        "{e}{dir}门门禁系统坏了，外来人员随意进出",
        "{b}楼下有流浪狗，晚上吠叫还咬过人",
        "{e}信报箱损坏，快递和信件丢失",
        "{b}楼道里有大量小广告，反复张贴",
    ],
}
ENDINGS = [
    "",
    "",
    "",
    "，请尽快处理",
    "，希望有关部门管一管",
    "，之前反映过一次，没有结果",
    "，麻烦社区协调一下",
]
DAYS_WORDS = ["两天", "三天", "四五天", "一个星期", "半个月", "好几天"]
DIRECTIONS = ["东", "南", "西", "北"]
# What the unit says it did, by category (the leaf where one exists, else its parent).
REPLIES = {
    "sanitation.garbage": [
        "已安排保洁人员清运完毕，并对周边进行了消杀",
        "已清理楼道杂物，并在显眼位置张贴了文明提示",
        "已联系环卫清运大件垃圾，现场已恢复整洁",
    ],
    "sanitation.sewage": ["已疏通管道并清理现场，污水不再外溢", "已清掏化粪池，并修复破损管道"],
    "sanitation.greenery": ["已组织绿化养护人员修剪完毕", "已清除枯枝，并对树木进行了加固"],
    "municipal.streetlight": [
        "已更换灯具，经夜间测试恢复正常照明",
        "已修复线路，路灯恢复正常",
        "已扶正灯杆并加固基础",
    ],
    "municipal.road": ["已对破损路面进行修补", "已重新铺设松动地砖", "已更换减速带"],
    "municipal.manhole": ["已更换新井盖并加装防坠网", "已调整井盖高度，与路面平齐"],
    "property.lift": ["已联系维保单位检修，电梯运行恢复正常", "已更换故障部件，并张贴了年检合格证"],
    "property.parking": ["已清理僵尸车并张贴停车告示", "已加强门岗管理，外来车辆登记后进入"],
    "property.leak": [
        "已对屋面防水进行修补，后续持续观察",
        "已维修管道，楼道积水已清理",
        "已协调楼上住户维修，漏水已止住",
    ],
    "dispute": [
        "社区调解员已上门调解，双方达成一致意见",
        "已组织双方当面沟通，签订了调解协议",
        "已约谈物业，物业承诺一周内公示收支情况",
    ],
    "safety.building": ["已设置警示围挡，并委托检测机构鉴定", "已督促业主修复，并清除了脱落隐患"],
    "safety.ebike": [
        "已清理楼道内电动车，并对住户开展安全宣传",
        "已拆除飞线，督促住户到充电棚充电",
        "已修复充电桩",
    ],
    "safety.falling": ["已联系住户将阳台花盆移入室内", "已上门劝导，并在楼道张贴文明提示"],
    "livelihood": [
        "已电话答复政策规定和办理流程",
        "已上门走访，协助办理了相关申请",
        "已联系志愿者提供帮助",
        "已转交相关部门核查处理，并答复当事人",
    ],
    "security": [
        "已安排民警巡查，并加强夜间巡逻",
        "已约谈经营者，要求其控制营业时间和音量",
        "已上门核查，未发现违法情况，已告知反映人",
    ],
    "fire.lane": ["已清理消防通道，施划了禁停标线", "已移走堆放杂物，保持安全出口畅通"],
    "fire.equipment": ["已更换过期灭火器，修复了消防栓", "已修复应急照明"],
    "construction": ["已下达限期整改通知书，当事人已自行拆除", "已组织执法人员依法拆除", "已恢复绿化"],
    "other": ["已维修完毕", "已联系相关单位处理", "已清理完毕"],
}
VERIFY_NOTES = ["", "", "现场核查，已处理到位", "已上门回访核实，问题已解决", "核查属实，整改到位"]
VERIFY_FAILURES = [
    "现场核查仍未处理干净，请重新处理",
    "问题依旧存在，居民仍有意见",
    "整改不到位，请按要求处理",
    "只做了临时处理，请彻底解决",
]
REFUSALS = [
    "属于民事纠纷，已告知当事人通过诉讼途径解决",
    "不在本社区管辖范围，已告知当事人向所属社区反映",
    "经现场核实无此情况",
    "属于个人房屋内部维修，不属于受理范围",
]
RETURNS = [
    "不属于我单位职责范围，请重新派遣",
    "该处不归我单位管养",
    "涉及业主私人财产，应由社区先行协调",
    "地址有误，不在我单位服务范围",
]
SUSPENSIONS = [
    "需等待业主大会表决维修资金使用",
    "雨天无法施工，待天气好转后处理",
    "需等待专业检测机构出具鉴定报告",
    "当事人外出，待其返回后处理",
]
RESUMPTIONS = ["条件已具备，恢复办理", "", "检测报告已出，继续处理"]
ESCALATIONS = [
    "涉及多部门职责，社区无法协调，提请街道处理",
    "违法建设需执法部门处理，社区无执法权",
    "问题反复出现，需街道统筹解决",
]
SUPERVISIONS = ["请抓紧办理，三日内反馈结果", "群众反映强烈，请加快处理进度", "已超期，请说明原因并尽快办结"]
ASSISTS = ["已配合现场查看，提供了相关资料", "已派员协助处置", "已开展联合检查"]
COMMENTS = {
    Satisfaction.SATISFIED: ["", "", "处理很及时，谢谢", "满意，谢谢社区", "问题解决了，点赞"],
    Satisfaction.BASIC: ["", "处理了，但时间有点长", "基本解决，希望以后多关注"],
    Satisfaction.UNSATISFIED: ["问题没有根本解决", "处理太慢了", "只是表面处理，过两天又这样了"],
}
