"""Vocabulary of the tiny pack's BERT-style WordPiece tokenizer.

Keeps bert-base-uncased's layout for the special tokens ([PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102,
[MASK] 103, [unusedN] in the other low slots), then single characters, whole words and ##-continuations,
so that Java code written against this vocabulary also reads a real BERT tokenizer.json.
"""

SPECIALS = {0: "[PAD]", 100: "[UNK]", 101: "[CLS]", 102: "[SEP]", 103: "[MASK]"}

PUNCTUATION = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
DIGITS = list("0123456789")
LETTERS = list("abcdefghijklmnopqrstuvwxyz")

# Common English words (function words first, then everyday vocabulary).
COMMON_WORDS = """
the of and to a in for is on that by this with i you it not or be are from at as your all have new more an was
we will home can us about if page my has search free but our one other do no information time they site he up may
what which their news out use any there see only so his when contact here business who web also now help get pm
view online first am been would how were me services some these click its like service than find price date back
top people had list name just over state year day into email two health world re next used go work last most
products music buy data make them should product system post her city add policy number such please available
copyright support message after best software then jan good video well where info rights public books high school
through each links she review years order very privacy book items company read group need many user said does set
under general research university january mail full map reviews program life know games way days management part
could great united hotel real item international center must store travel comments made development report off
member details line terms before hotels did send right type because local those using results office education
national car design take posted internet address community within states area want phone shipping reserved subject
between forum family long based code show even black check special prices website index being women much sign file
link open today technology south case project same pages version section own found sports house related security
both county american photo game members power while care network down computer systems three total place end
following download him without per access think north resources current posts big media law control water history
pictures size art personal since including guide shop directory board location change white text small rating rate
government children during usa return students shopping account times sites level digital profile previous form
events love old john main call hours image department title description non insurance another why shall property
class still money quality every listing content country private little visit save tools low reply customer december
compare movies include college value article york man card jobs provide food source author different press learn
sale around print course job canada process teen room stock training too credit point join science men categories
advanced west sales look english left team estate box conditions select windows photos thread week category note
live large gallery table register however june october november market library really action start series model
features air industry plan human provided yes required second hot accessories cost movie forums march la september
better say questions july going medical test friend come dec server study application cart staff articles san
feedback again play looking issues april never users complete street topic comment financial things working against
standard tax person below mobile less got blog party payment equipment login student let programs offers legal above
recent park stores side act problem red give memory performance social august quote language story sell options
experience rates create key body young america important field few east paper single age activities club example
girls additional password latest something road gift question changes night hard texas oct pay four status
browse issue range building seller court february always result audio light write war nov offer blue groups easy
given files event release analysis request fax china making picture needs possible might professional yet month
major star areas future space committee hand sun cards problems london washington meeting become interest id child
keep enter california share similar garden schools million added reference companies listed baby learning energy run
delivery net popular term film stories put computers journal reports co try welcome central images president notice
god original head radio until cell color self council away includes track australia discussion archive once others
entertainment agreement format least society months log safety friends sure faq trade edition cars messages
marketing tell further updated association able having provides david fun already green studies close common drive
specific several gold feb living sound soft loud quiet slow fast short heavy sharp dull deep bright dark empty fully
onto against across behind inside outside along near far slowly quickly again twice repeatedly gently hard softly
suddenly rhythmic steady sudden distant nearby tiny huge thin thick wet dry cold warm hollow solid rough smooth
""".split()

# Sound-effect vocabulary: materials, actions and sources that Foley captions talk about.
FOLEY_WORDS = """
hit hits hitting struck strike strikes stick sticks wood wooden metal metallic glass plastic paper cardboard cloth
fabric leather rubber stone rock rocks gravel sand dirt mud grass leaves leaf branch branches twig twigs bush tree
water splash splashes splashing drip drips dripping pour pouring bubble bubbles stream river rain wave waves ocean
scratch scratches scratching scrape scrapes scraping rub rubbing tap taps tapping knock knocks knocking bang bangs
thud thump crash crashes crack cracks crackle crunch crunchy rustle rustling snap snaps clap claps clink clang clank
click clicks creak creaks creaking squeak squeaks squeaking hiss hissing whoosh swoosh swish buzz hum rattle rattles
jingle ring rings ringing chime bell bells beep boom rumble roar thunder wind breeze fire flame burning sizzle
footstep footsteps step steps walk walking run running jump jumping fall falls falling drop drops dropping slam
slams door doors drawer window keys key coin coins chain chains bottle cup plate bowl pan pot spoon fork knife
table chair floor wall ceiling carpet tile concrete brick pipe can bucket box bag zipper button switch engine motor
car truck train bike horn siren alarm clock phone keyboard typing mouse bird birds dog dogs cat bark barking meow
chirp chirping horse hooves cow insect crowd applause laughter voice voices speech whisper scream shout cough breath
breathing sigh eat eating chew chewing drink drinking swallow gulp kiss punch punches kick kicks slap slaps gunshot
explosion whip sword impact impacts collision shatter shattering break breaking broken tear tearing rip ripping
fold folding crumple crumpling shake shaking roll rolling slide sliding drag dragging push pushing pull pulling
throw throwing catch bounce bouncing spin spinning swing swinging stir stirring cut cutting chop chopping saw sawing
hammer hammering drill drilling nail screw tool tools machine machinery fan vacuum blender kettle boil boiling fry
frying oven microwave sink faucet toilet shower bath ice snow crunching creaky hollowed drumstick drum drums guitar
piano violin flute cymbal cymbals percussion music musical note notes beat beats
""".split()

SUFFIXES = """
##s ##es ##ed ##ing ##er ##ers ##est ##ly ##y ##ies ##ied ##ion ##ions ##tion ##ness ##ment ##ful ##less ##able
##al ##ic ##ive ##ous ##ish ##ity ##ize ##ized ##en ##ery ##or ##ist ##ism ##le ##ling ##let ##ward ##wards ##like
##ping ##ting ##ning ##ming ##ged ##ped ##ted ##ded ##ter ##per ##ar ##an ##in ##on ##um ##ia ##ie
""".split()


def build_vocab():
    """Returns the token list, index = id, with every token appearing once."""
    tokens = []
    seen = set()

    def add(token):
        if token not in seen:
            seen.add(token)
            tokens.append(token)

    for slot in range(104):
        add(SPECIALS.get(slot, f"[unused{slot - 1}]"))  # bert-base-uncased: [unused0] is id 1
    for char in PUNCTUATION + DIGITS + LETTERS:
        add(char)
    for word in COMMON_WORDS + FOLEY_WORDS:
        add(word)
    for char in DIGITS + LETTERS:
        add("##" + char)
    for suffix in SUFFIXES:
        add(suffix)
    return tokens
