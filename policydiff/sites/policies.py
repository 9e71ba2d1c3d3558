"""The two tracked policies' text, exactly as captured (typos included), as a small block model.

Source: /work/shared/seeds (browser captures of the live pages, around 2020). Email addresses were
hidden by Cloudflare in the capture; the ones here are invented. Every page template renders these
blocks, so the policy text lives only here.
"""

from __future__ import annotations

from .model import BR, UL, B, Email, H, P

__all__ = ["TONERREFILLKITS", "MEGATONERS"]

TONERREFILLKITS = (
    H(2, 'Our Commitments to You'),
    UL(
        'We do not sell information to third parties.',
        (
            'We do not and will not share your information to any outside parties who may wish to '
            'market their products to our customers.'
        ),
        (
            'Customers do not have to take any action or instruct us to keep their information '
            'confidential.'
        ),
    ),
    P(
        'This page describes the privacy practices for www.TonerRefillKits.com and includes:',
    ),
    UL(
        'The categories of personally identifyable information',
        'What information is gathered/tracked',
        'How the information is used',
        'Who information is shared with',
        'How to make changes in your information',
    ),
    P(B("Effective Date:"), " 1999.07.15", BR, B("Last Revised:"), " 2016.02.15"),
    H(3, 'Personally Identifyable Information Collection and Use'),
    P(
        (
            'The categories of information are: transactional information, relational information '
            'and website usage or statistics. TonerRefillKits.com is the sole owner of the '
            'information collected on this site. We will not sell, share, or rent this information '
            'to others in ways different from what is disclosed in this statement. '
            'TonerRefillKits.com collects information from our users at several different points on'
            ' our Website.'
        ),
    ),
    P(
        (
            'TonerRefillKits.com complies with state laws regarding privacy including the '
            'California Online Privacy Protection Act, effective July 1, 2004.'
        ),
    ),
    P(
        B('Forms for Ordering or Registrations'),
        (
            "Our site's forms require customers to give us contact information such as name, email "
            'address and customer information for ordering and shipping our products. Purchases '
            'using credit cards require information to complete the transaction including credit '
            'card numbers, expiration dates, and other codes required by merchant clearing '
            'services. See "Privacy" below for more information.'
        ),
    ),
    P(
        B('Transactional or Relationship Messages'),
        (
            'New customers who purchase products from us will receive e-mail messages and a '
            'newsletter from us. Established customers will occasionally receive information on '
            'products, special promotions, and a newsletter. Messages are used communicate '
            'information including but not limited to order status, confirmations, shipping or '
            'tracking information, promotions, newsletters, surveys, and other information to our '
            'customers. Customers who wish to not receive communications from TonerRefillKits.com '
            'can use our opt-out/unsubscribe links. The preferred method of unsubscribing is to use'
            ' the links in the communications. You can also unsubscribe to any message by sending a'
            ' note to\xa0'
        ),
        Email('unsubscribe@tonerrefillkits.com'),
        '\xa0with REMOVE in the subject line.',
    ),
    P(
        B('Permission Marketing'),
        (
            'TonerRefillKits.com complies with the CAN-SPAM act of 2003, effective January 1, 2004.'
            ' TonerRefillKits respects the privacy of individuals and businesses and does not '
            'condone or participate in SPAM mailings. From time to time, TonerRefillKits.com may '
            'send email messages to people who may be interested in our products through the use of'
            ' opt-in mailing lists. We only use lists from vendors who certify that the list was '
            'obtained from opt-in sources. Whenever possible, we will identify the list where the '
            'opt-in name was obtained in the header of our email message. If you believe that you '
            'have received such a message in error, please follow the directions in the email '
            'message to unsubscribe or remove yourself from the list. In any case, you can always '
            'send an email to\xa0'
        ),
        Email('privacy@tonerrefillkits.com'),
        '\xa0for changes.\xa0',
        B('Surveys'),
        (
            'Any voluntary feedback information provided is used TonerRefillKits.com to understand '
            'and respond to our customer requirements, concerns, and better enable us to meet their'
            ' needs. This information is never shared with anyone outside our company. From time to'
            ' time, we will ask customers and visitors to the site to participate in voluntary '
            'surveys to help us further enhance our service. These surveys are important to us but '
            'are entirely voluntary.'
        ),
    ),
    P(
        B('Referral Programs / Forward to a Friend'),
        (
            'If a customer elects to use our referral programs to inform a friend about our '
            'products, we ask you to enter email addresses of friends who may want to know about '
            'our products and services. TonerRefillKits.com stores this information for the sole '
            'purpose of sending email communications including a one-time email inviting them to '
            'view our site and see the products we offer. Occasionally, we will send information on'
            ' products, special offers, and a newsletter to referral email addresses. To '
            'unsubscribe, follow the instructions in the email message.'
        ),
    ),
    P(
        B('Security'),
        (
            'We use industry-standard technology to keep your personal information as secure as '
            "possible. Our Website takes precautions to protect our customers' information. We use "
            'secure technology and protection controls to safeguard your personal information. When'
            ' customers submit sensitive information via the website, the information is protected '
            'both online and off-line.'
        ),
    ),
    P(
        (
            'When our order form asks customers to enter sensitive information (such as credit card'
            ' number), that information is encrypted and is protected with industry-standard '
            'encryption SSL (secure socket layer) software. While on a secure page, such as our '
            'order form, the lock icon on the bottom of Web browsers becomes locked to show the '
            'session is secure as opposed to un-locked, or open. We use third-party verification '
            'services for credit card authorization. TonerRefillKits.com does not store any credit '
            'card information on our website but passes the credit card information to our '
            'third-party clearning house via SSL encryption. Your information is also used '
            'internally in our in-house systems to allow us to charge your credit card when your '
            'order is shipped. We do get an authorization from the merchant services when your '
            'order is placed and then when your order is shipped, we "capture" the funds. This '
            "ensures that you won't be charged for anything unless we are shipping that item to "
            'you.'
        ),
    ),
    P(
        (
            'We protect the confidentiality of Customer Information. TonerRefillKits.com does not '
            'share or release customer information. TonerRefillKits.com will never willfully '
            'disclose personal information about our customers nor email addresses nor contact '
            'names to any outside parties without receiving written permission or unless ordered to'
            ' do so by a court of law.'
        ),
    ),
    P(
        'If you have any questions about the security at our website, you can send an email ',
        Email('security@tonerrefillkits.com'),
    ),
    P(
        B('Service Providers'),
        (
            'We partner with other third parties to provide specific services such as credit card '
            'clearning, site statistics or visitor tracking, newsletters, email notifications, and '
            'promotions or our shopping cart services). When you utlilze these services, we share '
            'names, or other contact information (email address, organization) necessary for the '
            'third party to provide these services. We only share information to complete the '
            'transaction or to complete a relational communication. These third parties are not '
            'allowed to use personally identifiable information except for the purpose of providing'
            ' these services to us. Each third party has security policies to protect confidential '
            'information.'
        ),
    ),
    P(
        B('How To Make Changes By Updating or Correcting Your Information'),
        (
            "If a customer's information changes (such as your email address or title), we will "
            "provide a way to update that customer's information. TonerRefillKits.com customers may"
            ' contact:'
        ),
        Email('customerservice@tonerrefillkits.com'),
        '\xa0with any changes.',
    ),
    P(
        B('Opt-out/Unsubscribe'),
        (
            'Customers who no longer wish to receive online communications or specific items from '
            'us may opt-out or unsubscribe from receiving these communications. Each communication '
            'will have a way to unsubscribe from that list. Please carefully follow the '
            'instructions on the communication to ensure removal of your name from our lists. If '
            'you encounter any difficulty, please email us at:'
        ),
        Email('support@tonerrefillkits.com'),
    ),
    P(
        B('Links to Other Sites'),
        (
            'This web site may contain links to other sites. Please be aware that '
            'TonerRefillKits.com is not responsible for the privacy practices or security of such '
            'other sites. We encourage our customers to be aware when they leave our site to read '
            'the privacy statements of each and every web site that collects personally '
            'identifiable information. This privacy statement applies solely to information '
            'collected by http://www.TonerRefillKits.com.'
        ),
    ),
    P(
        B('Website Usage: Cookies'),
        (
            "A cookie is a piece of data stored on the user's hard drive containing information "
            'about the user. We may use cookies to save information (name, address, phone number, '
            "email address) so you don't have to re-enter them each time you visit our site. We "
            'also use cookies to allow you to easily log in to your optional account. If you have '
            'chosen to disable cookies, you can still use our service, but you may be required to '
            'fill in information each time you sign on.'
        ),
    ),
    P(
        B('Website Statistics: Log Files'),
        (
            'We use IP addresses to analyze overall trends for our web site(s), administer our '
            "sites, help diagnose problems with our servers, track customer's movements, monitor "
            'and protect against fradulent use of our site, and gather broad demographic '
            "information for aggregate use, We may from time-to-time aggregate our users' system "
            'information and share that with partners (whom are under confidentiality obligations),'
            " but in no case is an individual's specific system configuration revealed to third "
            'parties. We track visits through our site to enable us to analyze aggregate '
            "information to help us understand our customer's and prospects paths through our site "
            'and pages visited.'
        ),
    ),
    P(
        B('Website: Live Help (Chat feature)'),
        (
            'Our website features an optional live chat feature to allow customers to get sales '
            "support and ordering help during business hours. The chat identifies the computer's IP"
            ' address and tracks session information. If you do not wish to utilize this feature, '
            'do not click on the Live Help button.'
        ),
    ),
    P(
        B('How We Notify You of Changes to Our Policy'),
        (
            'If we decide to change any of the terms of our privacy policy, we will post those '
            'changes on our website so customers are always aware of what information we collect, '
            'how we use it, and under what circumstances, if any, we disclose it. If at any point '
            'we decide to use personally identifiable information in a manner different from that '
            'stated at the time it was collected, we will notify customers by way of an email. '
            'Customers will have a choice as to whether or not we use their information in this '
            'different manner. We will use information in accordance with the privacy policy under '
            'which the information was collected.'
        ),
    ),
)

MEGATONERS = (
    P(
        (
            'As a leading online Toner retailer, we understand that your personal information is '
            'private and needs to stay that way. For you protection, MegaToners.com does not sell, '
            'share, or distribute your e-mail address or personal data to anyone without your '
            'permission.'
        ),
    ),
    P(
        (
            'At MegaToners.com we are committed to protecting your privacy. We use the information '
            'we collect about you to process orders and to ensure that we provide you with the best'
            ' services to suit your needs.'
        ),
    ),
    P(B('What We Collect and Where Do We Collect It?')),
    P(
        (
            'All users of the site are free to explore most of the site without providing any '
            'personal information to MegaToners.com At other areas of the site you may be asked to '
            'provide the following information:'
        ),
    ),
    UL(
        (
            'Users may want to place an order with MegaToners.com. At that time, users will be '
            'asked to provide certain information, such as name, address, e-mail and, where '
            'appropriate, credit card information in order to make a purchase.'
        ),
        (
            'We collect your e-mail address when you contact us by e-mail so that we may respond to'
            ' your e-mail.'
        ),
        (
            'We also collect your email for special sales that MegaToners.com may want you to know '
            'about. (i.e. Christmas, Chanukah, Easter, Thanksgiving)'
        ),
        (
            'As with most web sites, we monitor where users of the site travel throughout the site '
            'so that we can develop a better understanding of the areas of greatest interest.'
        ),
    ),
    P(B('How Does MegaToners.com Use This Information?')),
    P(
        B('Navigational'),
        (
            'Our system automatically gathers information about the areas visited by both members '
            'and users. To do this, MegaToners.com logs IP addresses (in other words, the location '
            'of your computer on the Internet) for system administration, troubleshooting and to '
            'examine overall traffic trends. (For example, IP addresses help us determine the '
            'number of people coming from various gateways, such as AOL.) We do not use any of this'
            ' navigational data on an individual basis. Nor do we share any of this data with '
            'outside companies. We do use navigational information in the aggregate to understand '
            'how our users travel around the site as a group to use the services that we offer. We '
            'collect that information so that MegaToners.com can constantly improve the site. We '
            'may also share this statistical information with our partners or other outside '
            'companies, but in doing so, we do not disclose individual names or personal '
            'navigational information.'
        ),
    ),
    P(
        B('Personal'),
        (
            'When you become a customer of MegaToners.com, we will ask you for some information, '
            'such as name, address and email. When you go to buy a product, additional information,'
            ' such as your preferred method of payment and your shipping address, will be required.'
        ),
    ),
    P(
        (
            'We might, from time to time, use the information provided to send you alerts about '
            'upcoming events and promotions and to create general customer profiles. You can -- at '
            'any time -- "opt-out" of receiving such communication by replying to the email stating'
            ' that you do not wish in the future to receive such information.'
        ),
    ),
    P(B('Do We Sell, Trade or Disclose Your Personal Information?')),
    P(
        (
            'MegaToners.com does not disclose, share, sell or trade any personal or individual '
            'information that it collects to third parties other than in the course of completing a'
            ' transaction that you have requested or in response to an investigation involving '
            'legal matters. For example, depending on shipping arrangements, we may release your '
            'name, e-mail and phone number to the seller, only after you have made a purchase and '
            'funds have been collected by MegaToners.com. This is necessary to ensure that shipping'
            ' and delivery are completed satisfactorily for both the buyer and seller. While we may'
            ' provide information regarding site usage to third parties, such as traffic reports '
            'and sale information, this information will not include any of your personal '
            'information.'
        ),
    ),
    P(
        B('Cookies'),
        (
            '"Cookies" are pieces of data your browser stores on your computer\'s hard drive. '
            'MegaToners.com uses a cookie to customize portions of our site to your preferences. '
            'The cookie, by itself, does not tell us (or anyone else) who you are, your email '
            'address, or anything else personal. You provide that information when you buy from '
            'MegaToners.com and only MegaToners.com has access to that information and we will not '
            'share that information with others except in the course of completing the transaction.'
        ),
    ),
    P(B('How Does MegaToners.com Protect Customer Information?')),
    P(
        (
            'MegaToners.com uses a secure server on the check out pages. The servers use Secure '
            'Sockets Layer (SSL), an advanced encryption technology that safeguards your personal '
            'information and guarantees privacy.'
        ),
    ),
    P(
        B('Links'),
        (
            'We keep track of links that appear on our site that you may use to exit our site, but '
            'we do not keep track of where you go on the World Wide Web. The Web sites you visit '
            'may have their own privacy policies or no policy at all. We encourage you to review '
            'the privacy policies of Web sites before providing them with any of your personal '
            'information.\xa0 MegaToners.com is not responsible for the privacy policies of those '
            'sites nor for any cookies those sites may deposit on your hard drive.'
        ),
    ),
    P(
        B('About Children'),
        (
            'MegaToners.com does not target children nor does MegaToners.com expect to attract '
            "children to its site. Because we are not a children's site, we do not provide most of "
            'the privacy measures that are so important for their protection on the Internet. '
            'Because of this, we ask that minors do not submit information to MegaToners.com '
            'without the express consent and participation of a parent or guardian.'
        ),
    ),
    P(
        B('Privacy Policy Changes'),
        (
            'If we decide to change our privacy policy, we will post those changes here for seven '
            '(7) days so that you will always know what information we have gathered, how we might '
            'use that information and whether we will disclose it to anyone.'
        ),
    ),
)
